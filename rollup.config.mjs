// One ESM bundle per entry point: the action (index) and the CLI share the pipeline.
import commonjs from '@rollup/plugin-commonjs'
import { nodeResolve } from '@rollup/plugin-node-resolve'
import typescript from '@rollup/plugin-typescript'
import { readFileSync } from 'node:fs'
import { readActionSections } from './scripts/readme-inputs.mjs'

/**
 * JSON modules as ES modules. @actions/artifact reads its version from its
 * package.json (a require in a .cjs file); this is all @rollup/plugin-json would do here.
 * @type {import('rollup').Plugin}
 */
const json = {
  name: 'json',
  transform(code, id) {
    if (!id.endsWith('.json')) return null
    return { code: `export default ${JSON.stringify(JSON.parse(code))};\n`, map: { mappings: '' } }
  },
}

/**
 * action.yml's input descriptions as a module, so the CLI's --help says what the
 * README's table says, from the same text (and check-dist notices when they drift).
 * @type {import('rollup').Plugin}
 */
const actionInputs = {
  name: 'action-inputs',
  resolveId: (id) => (id === 'virtual:action-inputs' ? id : null),
  load(id) {
    if (id !== 'virtual:action-inputs') return null
    this.addWatchFile('action.yml')
    const { inputs } = readActionSections(readFileSync('action.yml', 'utf8'))
    const descriptions = Object.fromEntries(inputs.map((i) => [i.name, i.description]))
    return `export const INPUT_DESCRIPTIONS = ${JSON.stringify(descriptions)};\n`
  },
}

/** @type {import('rollup').RollupOptions} */
export default {
  // The load generator runs in a worker thread, which needs a file of its own.
  input: { index: 'src/index.ts', cli: 'src/cli.ts', 'load-worker': 'src/load/worker.ts' },
  output: {
    dir: 'dist',
    format: 'es',
    entryFileNames: '[name].js',
    chunkFileNames: '[name].js',
    banner: (chunk) => (chunk.name === 'cli' ? '#!/usr/bin/env node' : ''),
  },
  plugins: [
    actionInputs,
    json,
    typescript({ tsconfig: './tsconfig.build.json' }),
    nodeResolve({ preferBuiltins: true, exportConditions: ['node'] }),
    commonjs(),
  ],
  onwarn(warning, warn) {
    // @actions/* and octokit shims use top-level `this` and import cycles; harmless in ESM.
    if (warning.code === 'THIS_IS_UNDEFINED' || warning.code === 'CIRCULAR_DEPENDENCY') return
    warn(warning)
  },
}
