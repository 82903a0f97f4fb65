// Fails when dist/ is not what a fresh build of src/ produces: the runner executes dist/.
import { execFileSync } from 'node:child_process'

execFileSync('npm', ['run', '-s', 'build'], { stdio: 'inherit' })
const changed = execFileSync('git', ['status', '--porcelain', '--', 'dist'], { encoding: 'utf8' }).trim()
if (changed) {
  console.error('dist/ is stale: run `npm run build` and commit dist/. Changed files:\n' + changed)
  process.exit(1)
}
console.log('dist/ is current')
