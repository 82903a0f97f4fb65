// The environments of what builds: allowlists, so a secret the workflow put in
// the job's environment under any name reaches neither go build nor the PR's
// build-command, and the PR's build-command gets no module credentials either.
import { describe, expect, it } from 'vitest'
import { buildEnvironment, publicProxies, untrustedBuildEnvironment } from '../../src/build/command.js'

const RUNNER = {
  PATH: '/usr/bin',
  HOME: '/home/runner',
  LANG: 'C.UTF-8',
  LC_ALL: 'C',
  GOFLAGS: '-mod=readonly',
  GOPROXY: 'https://user:ghp_secret@goproxy.corp.example,https://proxy.golang.org,direct',
  GOPRIVATE: 'corp.example/*',
  GOAUTH: 'git /home/runner',
  CGO_ENABLED: '0',
  GIT_CONFIG_COUNT: '1',
  GIT_TOKEN: 'ghp_git',
  DEPLOY_KEY: 'ssh-ed25519 AAAA-secret',
  AWS_ACCESS_KEY_ID: 'AKIA-secret',
  GITHUB_TOKEN: 'ghs_x',
  ACTIONS_RUNTIME_TOKEN: 'rt',
  'INPUT_GITHUB-TOKEN': 'ghs_y',
  GITHUB_ENV: '/home/runner/work/_temp/_runner_file_commands/set_env',
  RUNNER_TEMP: '/home/runner/work/_temp',
}

describe('build environments', () => {
  it('go build and git: the basics and Go/git settings, no other secret by any name', () => {
    const env = buildEnvironment(RUNNER)
    expect(Object.keys(env).sort()).toEqual(
      [
        'CGO_ENABLED',
        'GIT_CONFIG_COUNT',
        'GOAUTH',
        'GOFLAGS',
        'GOPRIVATE',
        'GOPROXY',
        'HOME',
        'LANG',
        'LC_ALL',
        'PATH',
      ].sort(),
    )
  })

  it("the PR's build-command in the sandbox: its own dirs and proxy, none of the runner's credentials or files", () => {
    const env = untrustedBuildEnvironment(RUNNER, {
      home: '/tmp/sb/home',
      tmp: '/tmp/sb/home/tmp',
      gocache: '/tmp/sb/home/.cache/go-build',
      gopath: '/tmp/sb/home/go',
      modcache: '/tmp/sb/home/go/pkg/mod',
      user: 'memleak-sandbox',
      proxy: 'http://127.0.0.1:4000,https://proxy.golang.org,direct',
    })
    expect(env).toMatchObject({
      HOME: '/tmp/sb/home',
      USER: 'memleak-sandbox',
      GOPROXY: 'http://127.0.0.1:4000,https://proxy.golang.org,direct',
    })
    for (const name of [
      'GOAUTH',
      'GIT_CONFIG_COUNT',
      'GIT_TOKEN',
      'DEPLOY_KEY',
      'AWS_ACCESS_KEY_ID',
      'GITHUB_TOKEN',
      'GITHUB_ENV',
      'RUNNER_TEMP',
    ]) {
      expect(env, name).not.toHaveProperty(name)
    }
    expect(JSON.stringify(env)).not.toMatch(/secret|ghp_|ghs_/)
  })

  it('without a sandbox: the runner dirs, but still no credentials, and proxies without userinfo', () => {
    const env = untrustedBuildEnvironment(RUNNER)
    expect(env.HOME).toBe('/home/runner')
    expect(env.GOPROXY).toBe('https://proxy.golang.org,direct')
    expect(env).not.toHaveProperty('DEPLOY_KEY')
    expect(publicProxies('https://a:b@x.example|https://proxy.golang.org')).toBe('https://proxy.golang.org')
    expect(publicProxies('https://a:b@x.example')).toBe('off')
    expect(publicProxies(undefined)).toBe('https://proxy.golang.org,direct')
  })
})
