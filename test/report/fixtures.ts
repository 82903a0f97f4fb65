// Hand-built reports for the renderer's tests: the analysis is another part's
// output, so these are written the way it documents its contract.
import type { AllocatorChange, Analysis, Finding, SideSummary, Site } from '../../src/model/analysis.js'
import { REPORT_SCHEMA_VERSION, type Report, type ReportMeta } from '../../src/model/report.js'

export const MODULE = 'github.com/acme/shop'
export const WORKSPACE = '/home/runner/work/shop/shop'

export function site(fn: string, file: string, line: number, stack: string[] = []): Site {
  return {
    key: fn,
    function: fn,
    ownFrame: { function: fn, file, line },
    stack: stack.length
      ? stack
      : [
          `${fn} ${file}:${line}`,
          `net/http.HandlerFunc.ServeHTTP /opt/hostedtoolcache/go/1.26.0/x64/src/net/http/server.go:2294`,
        ],
  }
}

function series(
  start: number,
  perSnapshot: number,
  n = 7,
  requestsPer = 8000,
): { label: string; requests: number; elapsedMs: number; inuseBytes: number }[] {
  return Array.from({ length: n }, (_, i) => ({
    label: i === n - 1 ? 'Sf' : `S${i}`,
    requests: i === n - 1 ? requestsPer * (n - 2) : requestsPer * i,
    elapsedMs: i === n - 1 ? 62_000 : i * 10_000,
    inuseBytes: Math.round(start + perSnapshot * Math.min(i, n - 2)),
  }))
}

export function sideSummary(side: 'base' | 'head', over: Partial<SideSummary> = {}): SideSummary {
  return {
    side,
    requests: 48_213,
    errors: 0,
    requestsPerSecond: 803.5,
    p99LatencyMs: 4.21,
    heapGrowthPer1kRequests: 38,
    liveHeapStart: 3_250_000,
    liveHeapEnd: 3_310_000,
    liveHeapSettled: 3_190_000,
    allocBytesPerRequest: 4210,
    allocObjectsPerRequest: 41.3,
    goroutinesStart: 8,
    goroutinesEnd: 8,
    rssPeakBytes: 24_800_000,
    openFdsStart: 12,
    openFdsEnd: 12,
    gc: { numGC: 123, gcCPUFraction: 0.0123, gogc: '100', gomemlimit: '' },
    heapSeries: series(3_250_000, 10_000),
    ...over,
  }
}

export function alloc(
  bytes: number,
  objects = bytes / 100,
): { bytesPerRequest: number; objectsPerRequest: number; windows: number[] } {
  return {
    bytesPerRequest: bytes,
    objectsPerRequest: objects,
    windows: [bytes * 0.98, bytes, bytes * 1.01, bytes * 1.02, bytes * 0.99],
  }
}

export function change(
  s: Site,
  base: number | undefined,
  head: number,
  over: Partial<AllocatorChange> = {},
): AllocatorChange {
  return {
    site: s,
    base: base === undefined ? undefined : alloc(base),
    head: alloc(head),
    change: base === undefined ? Infinity : head / base - 1,
    pValue: 0.004,
    adjustedPValue: 0.012,
    significant: true,
    ...over,
  }
}

export function meta(over: Partial<ReportMeta> = {}): ReportMeta {
  return {
    repository: 'acme/shop',
    pullRequest: 42,
    baseSha: '1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d',
    headSha: 'f0e1d2c3b4a5968778695a4b3c2d1e0f9a8b7c6d',
    package: './cmd/api',
    workingDirectory: '.',
    modulePath: MODULE,
    requests: ['GET /time', 'POST /users {"name":"gopher"}'],
    durationMs: 60_000,
    warmupMs: 10_000,
    connections: 16,
    snapshots: 6,
    regressionThreshold: 0.1,
    failOn: ['new-leak', 'regression'],
    goVersion: 'go1.26.0',
    platform: 'linux-x64',
    generatedAt: '2026-01-15T10:00:00.000Z',
    commentId: 'memleak/./cmd/api',
    sourceRoots: [WORKSPACE, '/home/runner/work/_temp/memleak-base-x1'],
    serverUrl: 'https://github.com',
    ...over,
  }
}

/** A run whose sides stopped when their answer was known (issue 16), with what each phase took. */
export function stoppedEarlyMeta(why: { base?: string; head?: string } = {}): Partial<ReportMeta> {
  return {
    warmupMs: 5_000,
    stopEarly: true,
    minLeak: 32,
    timing: {
      buildMs: 2_210,
      sides: [
        {
          side: 'base',
          startMs: 122,
          warmupMs: 5_000,
          measuredMs: 12_900,
          settleMs: 291,
          stop: { reason: 'floor-reached', why: why.base ?? 'floor 2.6 B/req reached' },
        },
        {
          side: 'head',
          startMs: 108,
          warmupMs: 5_000,
          measuredMs: 5_640,
          settleMs: 330,
          stop: { reason: 'leak-certain', why: why.head ?? 'leak certain (live heap +1022 B/req)' },
        },
      ],
      analysisMs: 206,
      totalMs: 31_900,
    },
  }
}

export function report(
  analysis: Analysis,
  failures: string[] = [],
  metaOver: Partial<ReportMeta> = {},
): Report {
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: 'memleak-action', version: '0.1.0' },
    meta: meta(metaOver),
    analysis,
    failures,
  }
}

const total = (base: number, head: number, significant = false): AllocatorChange => ({
  site: { key: 'total', function: 'total', stack: [] },
  base: alloc(base),
  head: alloc(head),
  change: head / base - 1,
  pValue: significant ? 0.002 : 0.41,
  significant,
})

export function cleanAnalysis(): Analysis {
  return {
    verdict: { leak: false, newLeak: false, regression: false },
    findings: [],
    base: sideSummary('base'),
    head: sideSummary('head', {
      allocBytesPerRequest: 4290,
      allocObjectsPerRequest: 41.9,
      requestsPerSecond: 798.1,
      p99LatencyMs: 4.33,
    }),
    total: total(4210, 4290),
    growing: [
      change(
        site(`${MODULE}/internal/handlers.(*Server).getTime`, `${WORKSPACE}/internal/handlers/time.go`, 31),
        512,
        590,
        {
          significant: false,
          pValue: 0.21,
          adjustedPValue: 0.63,
        },
      ),
    ],
    improved: [
      change(
        site('encoding/json.Marshal', '/opt/hostedtoolcache/go/1.26.0/x64/src/encoding/json/encode.go', 161),
        980,
        902,
        { significant: false, pValue: 0.3 },
      ),
    ],
    notes: [],
  }
}

export const heapLeakFinding = (): Finding => ({
  kind: 'heap-leak',
  status: 'new',
  site: site('main.rememberResponse', `${WORKSPACE}/cmd/api/handlers.go`, 42, [
    `runtime.mapassign_faststr /opt/hostedtoolcache/go/1.26.0/x64/src/internal/runtime/maps/runtime_faststr.go:263`,
    `main.rememberResponse ${WORKSPACE}/cmd/api/handlers.go:42`,
    `main.timeHandler ${WORKSPACE}/cmd/api/handlers.go:27`,
    `github.com/gin-gonic/gin.(*Context).Next /home/runner/go/pkg/mod/github.com/gin-gonic/gin@v1.10.0/context.go:185`,
  ]),
  rate: 412.3,
  unit: 'B/req',
  baseRate: 0.4,
  growth: 16_450_000,
  summary:
    'Live heap allocated at `main.rememberResponse` grows by 412 B per request and is not released after the load stops.',
  hint: 'A map that only grows: bound it (an LRU, a TTL) or delete entries when the request is done.',
  evidence: {
    requests: [0, 8000, 16000, 24000, 32000, 40000],
    values: [120_000, 3_400_000, 6_700_000, 9_950_000, 13_300_000, 16_570_000],
    settled: 16_540_000,
    pValue: 0.0001,
  },
  details: {
    slopeLow: 398.2,
    slopeHigh: 430.1,
    start: 120_000,
    end: 16_570_000,
    inuseObjectsStart: 1_204,
    inuseObjectsEnd: 41_316,
    hintRule: 'map-grows',
    noiseFloor: 5.1,
  },
})

export function heapLeakAnalysis(): Analysis {
  const head = sideSummary('head', {
    heapGrowthPer1kRequests: 412_300,
    liveHeapEnd: 19_800_000,
    liveHeapSettled: 19_700_000,
    allocBytesPerRequest: 4720,
    rssPeakBytes: 41_200_000,
    heapSeries: series(3_250_000, 3_300_000),
  })
  return {
    verdict: { leak: true, newLeak: true, regression: false },
    findings: [heapLeakFinding()],
    base: sideSummary('base'),
    head,
    total: total(4210, 4720),
    growing: [
      change(site('main.rememberResponse', `${WORKSPACE}/cmd/api/handlers.go`, 42), undefined, 430, {
        pValue: 0.0004,
        adjustedPValue: 0.0012,
      }),
    ],
    improved: [],
    notes: [],
  }
}

export function regressionAnalysis(): Analysis {
  const render = site(
    `${MODULE}/internal/render.renderVerbose`,
    `${WORKSPACE}/internal/render/verbose.go`,
    88,
  )
  const enc = {
    ...site(
      'encoding/json.(*encodeState).marshal',
      '/opt/hostedtoolcache/go/1.26.0/x64/src/encoding/json/encode.go',
      300,
    ),
    ownFrame: {
      function: `${MODULE}/internal/render.renderVerbose`,
      file: `${WORKSPACE}/internal/render/verbose.go`,
      line: 91,
    },
  }
  return {
    verdict: { leak: false, newLeak: false, regression: true },
    findings: [],
    base: sideSummary('base'),
    head: sideSummary('head', {
      allocBytesPerRequest: 6870,
      allocObjectsPerRequest: 77.5,
      requestsPerSecond: 702.4,
      p99LatencyMs: 5.9,
      gc: { numGC: 201, gcCPUFraction: 0.0231, gogc: '100' },
    }),
    total: { ...total(4210, 6870, true), ci: [0.55, 0.71] },
    growing: [
      change(render, 1024, 2890, { ci: [1.6, 1.9], pValue: 0.0002, adjustedPValue: 0.0008 }),
      change(enc, 410, 1180, { pValue: 0.001, adjustedPValue: 0.003 }),
      change(
        site('strings.(*Builder).grow', '/opt/hostedtoolcache/go/1.26.0/x64/src/strings/builder.go', 68),
        120,
        131,
        { significant: false, pValue: 0.38, adjustedPValue: 1 },
      ),
    ],
    improved: [
      change(site('main.timeHandler', `${WORKSPACE}/cmd/api/handlers.go`, 27), 300, 240, {
        pValue: 0.01,
        adjustedPValue: 0.03,
      }),
    ],
    notes: [
      'Throughput fell 13% on head; allocation per request is compared per request, so the regression does not depend on it.',
    ],
  }
}

export function goroutineLeakAnalysis(): Analysis {
  const f: Finding = {
    kind: 'goroutine-leak',
    status: 'new',
    site: site('main.startWorker.func1', `${WORKSPACE}/cmd/api/worker.go`, 57, [
      `runtime.gopark /opt/hostedtoolcache/go/1.26.0/x64/src/runtime/proc.go:435`,
      `runtime.chansend /opt/hostedtoolcache/go/1.26.0/x64/src/runtime/chan.go:283`,
      `main.startWorker.func1 ${WORKSPACE}/cmd/api/worker.go:57`,
    ]),
    rate: 1,
    unit: 'goroutines/req',
    growth: 48_213,
    summary:
      'One goroutine per request blocks forever on a channel send in `main.startWorker.func1`: nobody receives.',
    hint: 'Give the channel a receiver, a buffer, or a `select` with `ctx.Done()` so the goroutine can exit.',
    evidence: {
      requests: [0, 8000, 16000, 24000, 32000, 40000],
      values: [8, 8008, 16008, 24008, 32008, 40008],
      settled: 40008,
      pValue: 0.0001,
    },
    details: {
      countStart: 8,
      countEnd: 40_008,
      countSettled: 40_008,
      waitReason: 'chan send',
      blockingFrame: 'main.startWorker.func1 cmd/api/worker.go:57',
      createdBy: 'main.handleOrder',
      createdAt: 'cmd/api/orders.go:33',
      hintRule: 'chan-send-no-receiver',
      heapRetainedPerRequest: 765,
      heapSites: 'runtime.malg 410 B/req, main.startWorker 355 B/req',
      stackBytesPerGoroutine: 8192,
      stackBytesPerRequest: 8192,
      harmPerRequest: 8957,
    },
  }
  const conn: Finding = {
    kind: 'connection-leak',
    status: 'pre-existing',
    site: site('main.fetchRates', `${WORKSPACE}/cmd/api/rates.go`, 19),
    rate: 0.002,
    unit: 'fds/req',
    baseRate: 0.0019,
    growth: 96,
    summary:
      'Open files and `net/http.(*persistConn).readLoop` goroutines grow together: a response body is not closed.',
    hint: 'Close the response body: `defer resp.Body.Close()` right after the error check.',
    evidence: { requests: [0, 16000, 32000, 48000], values: [12, 44, 76, 108], pValue: 0.004 },
    details: {},
  }
  return {
    verdict: { leak: true, newLeak: true, regression: false },
    findings: [conn, f],
    base: sideSummary('base', { openFdsEnd: 105 }),
    head: sideSummary('head', {
      goroutinesEnd: 48_221,
      openFdsEnd: 108,
      rssPeakBytes: 412_000_000,
      heapGrowthPer1kRequests: 9_100,
      heapSeries: series(3_250_000, 450_000),
    }),
    total: total(4210, 4300),
    growing: [],
    improved: [],
    notes: [],
  }
}

/** A clean head that fixed base's unclosed response bodies. */
export function fixesLeakAnalysis(): Analysis {
  return {
    ...cleanAnalysis(),
    fixed: [
      {
        kind: 'connection-leak',
        site: site('main.fetchUpstream', `${WORKSPACE}/cmd/api/main.go`, 107),
        unit: 'connections/req',
        baseRate: 0.1,
        headRate: 0,
        how: 'gone',
        summary:
          'Requests made by main.fetchUpstream leave their connections open: 12 -> 4810 HTTP client connections over 48k requests.',
      },
    ],
  }
}

export function preExistingAnalysis(): Analysis {
  const f: Finding = { ...heapLeakFinding(), status: 'pre-existing', baseRate: 405.1, rate: 409.8 }
  return {
    verdict: { leak: true, newLeak: false, regression: false },
    findings: [
      f,
      {
        ...heapLeakFinding(),
        kind: 'bounded-growth',
        status: 'unknown',
        site: site('main.loadTemplates', `${WORKSPACE}/cmd/api/templates.go`, 12),
        rate: 12,
        growth: 580_000,
        summary: 'The template cache grows to 580 KiB, then plateaus.',
        hint: 'Nothing to do: a cache that fills once is not a leak.',
        details: {},
      },
    ],
    base: sideSummary('base', { heapGrowthPer1kRequests: 405_100, heapSeries: series(3_250_000, 3_250_000) }),
    head: sideSummary('head', { heapGrowthPer1kRequests: 409_800, heapSeries: series(3_250_000, 3_280_000) }),
    total: total(4210, 4230),
    growing: [],
    improved: [],
    notes: [],
  }
}
