import * as fs$1 from 'node:fs/promises';
import { chmod, readFile, mkdir, copyFile, mkdtemp, writeFile, cp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import { totalmem, tmpdir } from 'node:os';
import * as path from 'node:path';
import { posix, normalize, join as join$1, sep, resolve as resolve$1, basename } from 'node:path';
import * as http from 'node:http';
import { createServer } from 'node:http';
import * as https from 'node:https';
import { gunzipSync } from 'node:zlib';
import * as fs from 'node:fs';
import { statSync, createReadStream, existsSync, lstatSync, realpathSync, readFileSync, mkdirSync } from 'node:fs';
import { spawn, execFile, spawnSync } from 'node:child_process';
import { r as renderPieces, a as renderRequest, C as CTRL_SLOTS, S as SLOTS, b as CTRL_PAUSE, c as CTRL_EPOCH, d as CTRL_STOP, B as BUCKETS, M as MAX_EPOCH, e as MAX_US, f as STATUS_CODES, q as quantile$1, I as IN_FLIGHT, T as TRANSPORT_ERRORS, g as STATUS, H as HISTOGRAM } from './shared.js';
import { Worker } from 'node:worker_threads';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as net from 'node:net';

/**
 * A problem with what the user gave us (an input, a flag, a profile file).
 * The action fails the step with its message; the CLI prints it on one line and exits 2.
 */
class UsageError extends Error {
    name = 'UsageError';
}
/** The message of any thrown value, on one line. */
function oneLine$1(error) {
    const text = error instanceof Error ? error.message : String(error);
    return text.replace(/\s*\n\s*/g, ' ').trim();
}

// Every input's default, as the user writes it: one table that action.yml must
// agree with (a test keeps them equal), the CLI's flags and help show, readInputs
// falls back to, and "reproduce locally" leaves out.
/** Defaults of every input; action.yml states the same (a test keeps them equal). */
const INPUT_DEFAULTS = {
    'working-directory': '.',
    package: '.',
    'build-command': '',
    args: '',
    env: '',
    port: '8080',
    'pprof-url': '',
    'ready-url': '',
    'ready-timeout': '30s',
    requests: 'GET /',
    'requests-file': '',
    headers: '',
    rate: '',
    'setup-command': '',
    duration: '60s',
    warmup: '5s',
    connections: '16',
    snapshots: '6',
    'stop-early': 'true',
    'min-leak': '32B',
    'base-ref': '',
    'fail-on': 'new-leak,regression,no-verdict',
    'regression-threshold': '10%',
    memprofilerate: '65536',
    comment: 'true',
    'comment-id': '',
    timeout: '15m',
    trace: '3s',
    'self-check': 'false',
    'max-profile-size': '256MiB',
    'memory-limit': 'auto',
};
/**
 * Inputs of the action alone (the CLI has no use for them): what the step does
 * with the measurement, or with reports measured elsewhere. action.yml states the
 * same defaults (a test keeps them equal).
 */
const ACTION_INPUT_DEFAULTS = {
    mode: 'full',
    'report-path': '',
    'check-name': '',
    'delete-comment-when-clean': 'false',
    'comment-author': '',
    'upload-artifact': 'true',
    'review-comments': '',
    'allow-untrusted-code': 'false',
};

const PLACEHOLDER_FORMS = [
    '{{$randomInt MIN MAX}}',
    '{{$random.integer(MIN, MAX)}}',
    '{{$guid}}',
    '{{$uuid}}',
    '{{$random.uuid}}',
    '{{$timestamp}}',
    '{{$seq}}',
];
const INT = String.raw `(-?\d{1,15})`;
const RANDOM_INT = new RegExp(String.raw `^\$randomInt\s+${INT}\s+${INT}$`);
const RANDOM_INTEGER = new RegExp(String.raw `^\$random\.integer\(\s*(?:${INT}\s*,\s*${INT}\s*)?\)$`);
const ENVIRONMENT = /^\$(processEnv|dotenv|env\b|random\.env)/;
/** One placeholder's text (between the braces, trimmed) → what it draws; throws a plain message. */
function placeholderOf(text) {
    if (text === '$guid' || text === '$uuid' || text === '$random.uuid')
        return { p: 'uuid' };
    if (text === '$timestamp')
        return { p: 'timestamp' };
    if (text === '$seq')
        return { p: 'seq' };
    const m = RANDOM_INT.exec(text) ?? RANDOM_INTEGER.exec(text);
    if (m) {
        // JetBrains' $random.integer() without bounds draws from [0, 1000).
        const min = m[1] === undefined ? 0 : Number(m[1]);
        const max = m[2] === undefined ? 1000 : Number(m[2]);
        if (!(min < max))
            throw new Error(`{{${text}}} needs MIN below MAX (MAX itself is never drawn)`);
        return { p: 'int', min, max };
    }
    if (ENVIRONMENT.test(text)) {
        throw new Error(`{{${text}}} is refused: the load never reads the action's environment or .env files (they hold ` +
            `the runner's and GitHub's credentials); put the value in the file with @name = value, or in the headers input`);
    }
    throw new Error(`unknown placeholder {{${text}}}; supported: ${PLACEHOLDER_FORMS.join(', ')}`);
}
/**
 * Splits text into fixed strings and placeholders. `literal` maps each fixed
 * part (e.g. percent-encodes a path); `{{name}}` without `$` is an error here:
 * variables are substituted before (http-file.ts), and the requests input has none.
 */
function compilePlaceholders(text, literal = (s) => s) {
    const pieces = [];
    let last = 0;
    for (const m of text.matchAll(/\{\{\s*(.*?)\s*\}\}/g)) {
        if (m.index > last)
            pieces.push(literal(text.slice(last, m.index)));
        const inner = m[1];
        if (!inner.startsWith('$')) {
            throw new Error(`unknown variable {{${inner}}} (only a request file defines variables, with @${inner} = value)`);
        }
        pieces.push(placeholderOf(inner));
        last = m.index + m[0].length;
    }
    if (last < text.length)
        pieces.push(literal(text.slice(last)));
    return pieces;
}
function isFixed(pieces) {
    return pieces.every((p) => typeof p === 'string');
}
/** The text with every placeholder drawn once: to check that a JSON body parses once filled in. */
function sampleOf(pieces) {
    return pieces.map((p) => (typeof p === 'string' ? p : p.p === 'uuid' ? 'x' : '1')).join('');
}

// The `requests` input: one request a line, `METHOD /path [body]`. Parsed
// strictly, because a typo here would silently load the wrong endpoint (a 404
// handler allocates nothing and leaks nothing). Paths, headers and bodies may
// hold placeholders drawn per request (placeholders.ts).
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
const EXPECTED = 'expected "METHOD /path [body]", e.g. "GET /time" or "POST /users {"name":"gopher"}"';
const FORM = /^[^=&\s]+=[^&\s]*(&[^=&\s]+=[^&\s]*)*$/;
// Tab is whitespace between the words; every other control character is a mistake (a stray \r).
// eslint-disable-next-line no-control-regex
const CONTROL$3 = /[\x00-\x08\x0a-\x1f\x7f]/;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Framing is the generator's: a user's value would make it misread the answers. */
const OWN_HEADERS = new Set(['content-length', 'transfer-encoding', 'connection', 'expect', 'upgrade']);
/** Blank lines and lines starting with # are skipped; at least one request is required. */
function parseRequests(text) {
    const requests = [];
    text.split(/\r?\n/).forEach((raw, i) => {
        const line = raw.trim();
        if (line === '' || line.startsWith('#'))
            return;
        const fail = (why) => {
            throw new UsageError(`requests line ${i + 1}: ${why}: ${JSON.stringify(line)}; ${EXPECTED}`);
        };
        const control = CONTROL$3.exec(line);
        if (control)
            fail(`control character ${JSON.stringify(control[0])} in the line`);
        // A placeholder in the path may hold spaces ({{$randomInt 1 9}}): it stays one word.
        const m = /^(\S+)(?:\s+((?:\{\{.*?\}\}|\S)+))?(?:\s+(.*))?$/.exec(line);
        const path = m[2];
        if (path === undefined)
            checkMethod(m[1], fail);
        requests.push(checkRequest(m[1], path ?? '', m[3]?.trim() || undefined, fail));
    });
    if (requests.length === 0)
        throw new UsageError(`requests: no request given; ${EXPECTED}`);
    return requests;
}
function checkMethod(word, fail) {
    const method = word.toUpperCase();
    if (!METHODS.includes(method)) {
        fail(`unknown method ${word} (one of ${METHODS.join(', ')})`);
    }
    fail('missing path');
}
/**
 * A request's parts checked as the generator needs them (shared with request files):
 * a known method, a path on the service, placeholders that compile, a body that fits.
 */
function checkRequest(word, path, body, fail, headers) {
    const method = word.toUpperCase();
    if (!METHODS.includes(method)) {
        fail(`unknown method ${word} (one of ${METHODS.join(', ')})`);
    }
    if (path === '')
        fail('missing path');
    if (!path.startsWith('/')) {
        fail(`the path must start with "/" (requests go to the service at http://127.0.0.1:<port>)`);
    }
    if (CONTROL$3.test(path))
        fail('control character in the path');
    const compiled = (what, text) => {
        try {
            return compilePlaceholders(text);
        }
        catch (err) {
            return fail(`${err.message} in the ${what}`);
        }
    };
    compiled('path', path);
    if (body !== undefined && method === 'HEAD')
        fail('a HEAD request has no body');
    const request = { method, path };
    if (headers?.length) {
        for (const [name, value] of headers) {
            checkHeader(name, value, fail);
            compiled(`${name} header`, value);
        }
        request.headers = headers;
    }
    if (body !== undefined) {
        request.body = body;
        const sample = sampleOf(compiled('body', body));
        const given = headers?.find(([name]) => name.toLowerCase() === 'content-type');
        request.contentType = given ? given[1] : contentTypeOf(sample, fail);
    }
    return request;
}
/** A header the generator can send as it is: a token name, a value without control characters. */
function checkHeader(name, value, fail) {
    if (!TOKEN.test(name))
        fail(`${JSON.stringify(name)} is not a header name`);
    if (OWN_HEADERS.has(name.toLowerCase())) {
        fail(`the ${name} header is the load generator's own (it keeps connections alive and frames the body)`);
    }
    if (CONTROL$3.test(value))
        fail(`control character in the value of ${name}`);
}
/**
 * The `headers` input: `Name: value` a line, sent with every request; blank lines and
 * # comments are skipped. Values may hold placeholders.
 */
function parseHeaderLines(text) {
    const headers = [];
    text.split(/\r?\n/).forEach((raw, i) => {
        const line = raw.trim();
        if (line === '' || line.startsWith('#'))
            return;
        const fail = (why) => {
            throw new UsageError(`headers line ${i + 1}: ${why}; expected "Name: value", e.g. "Authorization: Bearer …"`);
        };
        const colon = line.indexOf(':');
        if (colon <= 0)
            fail(`no "Name:" in ${JSON.stringify(line)}`);
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        checkHeader(name, value, fail);
        try {
            compilePlaceholders(value);
        }
        catch (err) {
            fail(err.message);
        }
        headers.push([name, value]);
    });
    return headers;
}
function contentTypeOf(body, fail) {
    if (body.startsWith('{') || body.startsWith('[')) {
        try {
            JSON.parse(body);
        }
        catch (err) {
            fail(`the body looks like JSON but does not parse (${err.message})`);
        }
        return 'application/json';
    }
    if (FORM.test(body))
        return 'application/x-www-form-urlencoded';
    return 'text/plain; charset=utf-8';
}
/** Request and input headers merged: the request's own replace the input's of the same name. */
function headersOf(request, common) {
    const own = request.headers ?? [];
    const names = new Set(own.map(([n]) => n.toLowerCase()));
    return [...common.filter(([n]) => !names.has(n.toLowerCase())), ...own];
}
const percentEncode = (text) => text.replace(/[^\x21-\x7e]+/g, (c) => encodeURIComponent(c));
/**
 * The request as the worker holds it: its bytes once and for all when nothing in it
 * varies, else its pieces, rendered per request (template.ts).
 */
function compileRequest(request, host, common = []) {
    const headers = headersOf(request, common);
    const given = new Set(headers.map(([n]) => n.toLowerCase()));
    const head = [`${request.method} `, ...compilePlaceholders(request.path, percentEncode)];
    head.push(' HTTP/1.1\r\n');
    if (!given.has('host'))
        head.push(`Host: ${host}\r\n`);
    if (!given.has('user-agent'))
        head.push('User-Agent: memleak-action\r\n');
    if (!given.has('accept'))
        head.push('Accept: */*\r\n');
    for (const [name, value] of headers)
        head.push(`${name}: `, ...compilePlaceholders(value), '\r\n');
    const body = request.body === undefined ? undefined : compilePlaceholders(request.body);
    if (body && !given.has('content-type'))
        head.push(`Content-Type: ${request.contentType}\r\n`);
    else if (!body && ['POST', 'PUT', 'PATCH'].includes(request.method))
        head.push('Content-Length: 0\r\n');
    const usesSeq = [...head, ...(body ?? [])].some((p) => typeof p !== 'string' && p.p === 'seq');
    const encoded = { head: join(head), ...(body ? { body: join(body) } : {}) };
    if (isFixed(head) && (!body || isFixed(body)))
        return { bytes: new Uint8Array(Buffer.from(renderRequest(encoded, 0))) };
    return usesSeq ? { ...encoded, usesSeq } : encoded;
}
/** Adjacent fixed strings joined, so rendering concatenates as few parts as possible. */
function join(pieces) {
    const out = [];
    for (const p of pieces) {
        const last = out[out.length - 1];
        if (typeof p === 'string' && typeof last === 'string')
            out[out.length - 1] = last + p;
        else if (p !== '')
            out.push(p);
    }
    return out;
}
/** Where the readiness probe asks whether the service listens: the request's route, its placeholders drawn once. */
function listenUrlFor(request, origin) {
    return origin + renderPieces(compilePlaceholders(request.path, percentEncode), 1);
}

// The service is the PR's code: untrusted. It gets an allowlisted environment so
// that nothing the workflow holds (tokens, runner internals, action inputs) can
// reach it, even if a user's `env` line asks for it.
/** Names the service inherits from our environment when present. */
const INHERITED = new Set([
    'PATH',
    'HOME',
    'TMPDIR',
    'TMP',
    'TEMP',
    'LANG',
    'TZ',
    'USER',
    'SSL_CERT_FILE',
    'SSL_CERT_DIR',
]);
/**
 * Go runtime settings a running binary reads. An explicit list, not a GO* prefix:
 * GOOGLE_APPLICATION_CREDENTIALS and the module-fetch settings (GOPROXY with
 * user:token@, GOAUTH commands) start with GO too, and must not reach the PR's code.
 */
const GO_RUNTIME = new Set([
    'GOGC',
    'GOMEMLIMIT',
    'GOMAXPROCS',
    'GODEBUG',
    'GOTRACEBACK',
    'GORACE',
    'GOEXPERIMENT',
    'GOCOVERDIR',
    'GOROOT',
    'GOPATH',
    'GOCACHE',
    'GOTMPDIR',
]);
/**
 * What belongs to the runner and GitHub, never to the service: the token and runtime
 * credentials (GITHUB_TOKEN, ACTIONS_RUNTIME_TOKEN), the action's inputs (INPUT_GITHUB-TOKEN),
 * the workflow-command files (GITHUB_ENV, GITHUB_OUTPUT: writing them is code execution in
 * later steps) and the runner's internals. The service's own settings (DB_PASSWORD,
 * SESSION_SECRET for the job's throwaway database) are the workflow's to give.
 */
const RUNNER_NAME = /^(GITHUB_|ACTIONS_|INPUT_|RUNNER_)/i;
const VALID_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Whether a name from our own environment is passed on to the service. */
function isInheritedEnvName(name) {
    if (RUNNER_NAME.test(name))
        return false;
    return INHERITED.has(name) || name.startsWith('LC_') || GO_RUNTIME.has(name);
}
/**
 * Throws a UsageError when the user's `env` input names a runner or GitHub variable:
 * refusing loudly beats passing the runner's credentials to untrusted code or silently
 * dropping a line the user wrote.
 */
function assertAllowedEnvName(name) {
    const why = refusal(name);
    if (why)
        throw new UsageError(`env: ${why}`);
}
function refusal(name) {
    if (!VALID_NAME.test(name)) {
        return `"${name}" is not a valid variable name (letters, digits, _; not starting with a digit)`;
    }
    if (RUNNER_NAME.test(name)) {
        return (`${name} is refused: names starting with GITHUB_, ACTIONS_, INPUT_ or RUNNER_ belong to the runner ` +
            `and GitHub and are never given to the service under test (it runs the pull request's code). ` +
            `Give the service its setting under its own name.`);
    }
    return undefined;
}
/**
 * The service's whole environment: the allowlisted part of `parentEnv`, then the
 * user's `extra` lines (checked with assertAllowedEnvName), then PORT.
 */
function serviceEnvironment(parentEnv, extra, port) {
    const env = {};
    for (const [name, value] of Object.entries(parentEnv)) {
        if (value !== undefined && isInheritedEnvName(name))
            env[name] = value;
    }
    for (const [name, value] of Object.entries(extra)) {
        assertAllowedEnvName(name);
        if (name === 'PORT' && value !== String(port)) {
            throw new UsageError(`env: PORT=${value} conflicts with the port input (${port}); set the port input instead`);
        }
        env[name] = value;
    }
    env.PORT = String(port);
    return env;
}
/**
 * Parses the `env` input: one KEY=VALUE a line; blank lines and # comments are
 * skipped; spaces around KEY and VALUE are trimmed and one pair of matching
 * quotes around VALUE is removed. A later line for the same KEY wins.
 */
function parseEnvLines(text) {
    const env = {};
    const lines = text.split(/\r?\n/);
    lines.forEach((raw, i) => {
        const line = raw.trim();
        if (line === '' || line.startsWith('#'))
            return;
        const eq = line.indexOf('=');
        const name = eq < 0 ? '' : line.slice(0, eq).trim();
        if (eq < 0 || !VALID_NAME.test(name)) {
            throw new UsageError(`env line ${i + 1}: expected KEY=VALUE, got "${line}"`);
        }
        const why = refusal(name);
        if (why)
            throw new UsageError(`env line ${i + 1}: ${why}`);
        let value = line.slice(eq + 1).trim();
        if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.endsWith(value[0])) {
            value = value.slice(1, -1);
        }
        env[name] = value;
    });
    return env;
}
/**
 * Throws when a value meant for the service holds one of `secrets` (the GitHub token,
 * the runner's runtime tokens) anywhere in it: the service runs the PR's code.
 */
function assertNoRunnerSecret(where, values, secrets) {
    const tokens = secrets.filter((s) => s.length >= 8);
    for (const [name, value] of values) {
        if (tokens.some((t) => value.includes(t))) {
            throw new UsageError(`${where}: the value of ${name} holds the workflow's GitHub token or a runner token; ` +
                `the service runs the pull request's code and never gets them`);
        }
    }
}
/** `${PORT}` in `args` and `env` values becomes the port, for services that take their address from a flag. */
function expandPort(text, port) {
    return text.replaceAll('${PORT}', String(port));
}

// Parsers for the scalar input forms. Each throws UsageError naming the input
// and showing the expected form, so the message alone tells the user what to fix.
const UNITS_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
function parseDuration(name, raw, { allowZero = false } = {}) {
    const text = raw.trim();
    const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
    const joined = parts.map((p) => p[0]).join('');
    if (!text || joined !== text) {
        throw new UsageError(`${name}: expected a duration like 30s, 2m or 1m30s, got ${JSON.stringify(raw)}`);
    }
    const ms = Math.round(parts.reduce((sum, p) => sum + Number(p[1]) * UNITS_MS[p[2]], 0));
    if (ms === 0 && !allowZero)
        throw new UsageError(`${name}: must be longer than 0, got ${JSON.stringify(raw)}`);
    return ms;
}
const UNITS_BYTES = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 };
/** "256MiB", "1GiB", "512KiB" → bytes; binary units only, so no one wonders whether MB is 10^6. */
function parseSize(name, raw, min, max) {
    const m = /^(\d+(?:\.\d+)?) ?(B|KiB|MiB|GiB)$/.exec(raw.trim());
    const bytes = m ? Math.round(Number(m[1]) * UNITS_BYTES[m[2]]) : NaN;
    if (!(bytes >= min && bytes <= max)) {
        const range = m ? ` from ${formatSize(min)} to ${formatSize(max)}` : ' like 256MiB or 1GiB';
        throw new UsageError(`${name}: expected a size${range}, got ${JSON.stringify(raw)}`);
    }
    return bytes;
}
function formatSize(bytes) {
    for (const unit of ['GiB', 'MiB', 'KiB']) {
        if (bytes >= UNITS_BYTES[unit] && bytes % UNITS_BYTES[unit] === 0)
            return `${bytes / UNITS_BYTES[unit]}${unit}`;
    }
    return `${bytes}B`;
}
/** The input form of a duration (90_000 → "1m30s"), so messages quote what the user wrote. */
function formatDuration$1(ms) {
    const parts = [];
    let rest = ms;
    for (const [unit, size] of [
        ['h', 3_600_000],
        ['m', 60_000],
        ['s', 1000],
    ]) {
        if (rest >= size) {
            parts.push(`${Math.floor(rest / size)}${unit}`);
            rest %= size;
        }
    }
    if (rest > 0 || parts.length === 0)
        parts.push(`${rest}ms`);
    return parts.join('');
}
function parseInteger(name, raw, min, max) {
    const text = raw.trim();
    if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
        throw new UsageError(`${name}: expected a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
    }
    return Number(text);
}
/** "10%" or "0.1" → 0.1 */
function parseFraction(name, raw) {
    const text = raw.trim();
    const m = /^(\d+(?:\.\d+)?)(%?)$/.exec(text);
    if (!m)
        throw new UsageError(`${name}: expected a percentage like 10% (or a fraction like 0.1), got ${JSON.stringify(raw)}`);
    const value = m[2] ? Number(m[1]) / 100 : Number(m[1]);
    if (!(value > 0) || value > 100) {
        throw new UsageError(`${name}: expected a percentage above 0%, got ${JSON.stringify(raw)}`);
    }
    return value;
}
function parseBoolean(name, raw) {
    const text = raw.trim().toLowerCase();
    if (['true', 'yes', '1', 'on'].includes(text))
        return true;
    if (['false', 'no', '0', 'off', ''].includes(text))
        return false;
    throw new UsageError(`${name}: expected true or false, got ${JSON.stringify(raw)}`);
}
function parseHttpUrl(name, raw) {
    let url;
    try {
        url = new URL(raw.trim());
    }
    catch {
        throw new UsageError(`${name}: expected a URL like http://127.0.0.1:8080/debug/pprof, got ${JSON.stringify(raw)}`);
    }
    if (url.protocol !== 'http:') {
        throw new UsageError(`${name}: expected an http:// URL on this machine, got ${JSON.stringify(raw)}`);
    }
    if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) {
        // The service runs on the runner itself; anything else would send our traffic elsewhere.
        throw new UsageError(`${name}: expected a loopback host (127.0.0.1, localhost or [::1]), got ${JSON.stringify(url.hostname)}`);
    }
    return url.toString();
}
/**
 * Shell-like words for `args`: whitespace separates, single and double quotes group,
 * backslash escapes. No expansion of any kind: the service gets exactly these strings.
 */
function parseArgs(name, raw) {
    const words = [];
    let word = '';
    let inWord = false;
    let quote = null;
    for (let i = 0; i < raw.length; i++) {
        const c = raw[i];
        if (quote) {
            if (c === quote)
                quote = null;
            else if (c === '\\' && quote === '"' && i + 1 < raw.length)
                word += raw[++i];
            else
                word += c;
        }
        else if (c === '"' || c === "'") {
            quote = c;
            inWord = true;
        }
        else if (c === '\\' && i + 1 < raw.length) {
            word += raw[++i];
            inWord = true;
        }
        else if (/\s/.test(c)) {
            if (inWord)
                words.push(word);
            word = '';
            inWord = false;
        }
        else {
            word += c;
            inWord = true;
        }
    }
    if (quote)
        throw new UsageError(`${name}: unterminated ${quote} quote in ${JSON.stringify(raw)}`);
    if (inWord)
        words.push(word);
    return words;
}

// The one table of finding kinds: what each is called and whether it is a leak
// (a leak sets the verdict; bounded growth is information). Every list of kinds
// (the verdict, the report's labels, the JSON report's validation) reads this.
const FINDING_KINDS = {
    'heap-leak': { label: 'heap leak', leak: true },
    'goroutine-leak': { label: 'goroutine leak', leak: true },
    'connection-leak': { label: 'connection leak', leak: true },
    'rss-growth': { label: 'memory outside the Go heap', leak: true },
    'bounded-growth': { label: 'bounded growth', leak: false },
    crash: { label: 'crash', leak: true },
};
/** Every kind, in the table's order. */
const ALL_FINDING_KINDS = Object.keys(FINDING_KINDS);
/** A reviewer's name for each kind: "heap leak", "memory outside the Go heap". */
const KIND_LABEL = Object.fromEntries(ALL_FINDING_KINDS.map((kind) => [kind, FINDING_KINDS[kind].label]));
/** True for every kind that is a leak (a crash is the worst one); false for bounded growth. */
function isLeakKind(kind) {
    return FINDING_KINDS[kind]?.leak ?? false;
}

// Every number the tool prints, in one place. The report's (binary byte units,
// k/M counts, signed changes) accept any number (NaN, Infinity) and never throw:
// a report from an untrusted artifact may hold anything the validator let pass.
// The other styles are named for where they are read: sentences of the analysis
// (`…InText`), the progress lines of the log (decimal units, grouped digits),
// memory limits and exact sizes in error messages. (Seconds, `formatSeconds`, are
// service/http.ts's: service/ must load on its own, as the safety-net test loads it.)
const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
/** Three significant digits at most, without trailing zeros (1.2, 12.3, 123, 1234). */
function sig(value) {
    const abs = Math.abs(value);
    if (abs >= 100)
        return Math.round(value).toString();
    if (abs >= 10)
        return trimZeros(value.toFixed(1));
    return trimZeros(value.toFixed(abs >= 1 ? 2 : abs >= 0.1 ? 2 : 3));
}
function trimZeros(text) {
    return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}
/** 0 B, 412 B, 1.2 KiB, 34.5 MiB. */
function formatBytes(bytes) {
    if (!Number.isFinite(bytes))
        return bytes > 0 ? '∞' : bytes < 0 ? '-∞' : 'n/a';
    const sign = bytes < 0 ? '-' : '';
    let value = Math.abs(bytes);
    let unit = 0;
    while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
        value /= 1024;
        unit++;
    }
    // Whole bytes stay whole; a fraction of a byte per request is still worth showing.
    const text = unit === 0 && value >= 10 ? Math.round(value).toString() : sig(value);
    return `${sign}${text} ${BYTE_UNITS[unit]}`;
}
/** +412 B, -1.2 KiB, 0 B. */
function formatSignedBytes(bytes) {
    const text = formatBytes(bytes);
    return bytes > 0 ? `+${text}` : text;
}
/** 950, 1.2k, 48.3k, 1.2M. */
function formatCount(count) {
    if (!Number.isFinite(count))
        return 'n/a';
    const sign = count < 0 ? '-' : '';
    const abs = Math.abs(count);
    if (abs < 1000)
        return sign + (Number.isInteger(abs) ? abs.toString() : sig(abs));
    if (abs < 1e6)
        return `${sign}${sig(abs / 1e3)}k`;
    if (abs < 1e9)
        return `${sign}${sig(abs / 1e6)}M`;
    return `${sign}${sig(abs / 1e9)}G`;
}
function formatSignedCount(count) {
    const text = formatCount(count);
    return count > 0 ? `+${text}` : text;
}
/** A relative change: +38%, -8%, +0.4%, new (Infinity). */
function formatChange(change) {
    if (change === Infinity)
        return 'new';
    if (!Number.isFinite(change))
        return 'n/a';
    const pct = change * 100;
    const abs = Math.abs(pct);
    // Rounding must not say -100% (everything gone) for -99.7%.
    const text = pct < 0 && abs >= 99.5 && abs < 100
        ? trimZeros(abs.toFixed(1))
        : abs >= 10
            ? Math.round(abs).toString()
            : abs >= 1
                ? trimZeros(abs.toFixed(1))
                : trimZeros(abs.toFixed(2));
    if (text === '0')
        return '0%';
    return `${pct > 0 ? '+' : '-'}${text}%`;
}
/** Relative change of head against base, or undefined when it means nothing. */
function relativeChange(base, head) {
    if (base === undefined || head === undefined || !Number.isFinite(base) || !Number.isFinite(head))
        return undefined;
    if (base === 0)
        return head === 0 ? 0 : undefined;
    return head / base - 1;
}
/** 0.8 ms, 12 ms, 1.2 s, 60 s, 2m 5s. */
function formatDuration(ms) {
    if (!Number.isFinite(ms))
        return 'n/a';
    if (ms < 1)
        return `${trimZeros(ms.toFixed(2))} ms`;
    if (ms < 1000)
        return `${sig(ms)} ms`;
    // Up to two minutes in seconds: "60 s" reads better than "1m" beside "10 s".
    if (ms < 120_000)
        return `${sig(ms / 1000)} s`;
    const minutes = Math.floor(ms / 60_000);
    const seconds = Math.round((ms % 60_000) / 1000);
    return seconds ? `${minutes}m ${seconds}s` : `${minutes}m`;
}
/** 12.3k req/s. */
function formatRps(rps) {
    return `${formatCount(rps)} req/s`;
}
/** 1.2%, 0.05%. */
function formatFraction(fraction) {
    if (!Number.isFinite(fraction))
        return 'n/a';
    const pct = fraction * 100;
    return `${pct >= 10 ? Math.round(pct) : pct >= 1 ? trimZeros(pct.toFixed(1)) : trimZeros(pct.toFixed(2))}%`;
}
/** p-values as a reader wants them: p < 0.001, p = 0.03. */
function formatPValue(p) {
    if (!Number.isFinite(p))
        return 'p n/a';
    if (p < 0.001)
        return 'p < 0.001';
    return `p = ${trimZeros(p.toFixed(p < 0.01 ? 3 : 2))}`;
}
/** A rate in the finding's unit: "+412 B/req", "+0.5 goroutines/req". */
function formatRate(rate, unit) {
    const perReq = /\/req(uest)?$/.test(unit);
    const base = unit.replace(/\/req(uest)?$/, '');
    if (base === 'B')
        return `${formatSignedBytes(rate)}${perReq ? '/req' : ''}`;
    const abs = Math.abs(rate);
    const num = abs >= 1000 ? formatCount(rate) : abs >= 1 ? sig(rate) : abs === 0 ? '0' : rate.toPrecision(2);
    return `${rate > 0 ? '+' : ''}${num} ${base}${perReq ? '/req' : ''}`;
}
/** Growth in a finding's base quantity: bytes for B, a count otherwise. */
function formatQuantity(value, unit) {
    const base = unit.replace(/\/req(uest)?$/, '');
    if (base === 'B')
        return formatSignedBytes(value);
    return `${formatSignedCount(value)} ${base}`;
}
/** Seven characters of a commit. */
function shortSha(sha) {
    return sha && /^[0-9a-f]{7,64}$/i.test(sha) ? sha.slice(0, 7) : undefined;
}
const SPARKS = '▁▂▃▄▅▆▇█';
/** A one-line trend: ▁▂▃▅▇. Empty for fewer than two finite values. */
function sparkline(values) {
    const finite = values.filter((v) => Number.isFinite(v));
    if (finite.length < 2)
        return '';
    const min = Math.min(...finite);
    const max = Math.max(...finite);
    const span = max - min;
    return values
        .map((v) => {
        if (!Number.isFinite(v))
            return ' ';
        const i = span === 0 ? 0 : Math.round(((v - min) / span) * (SPARKS.length - 1));
        return SPARKS[i];
    })
        .join('');
}
/** At most n points of a series, evenly spaced, first and last kept. */
function downsample(values, n) {
    if (values.length <= n)
        return [...values];
    const out = [];
    for (let i = 0; i < n; i++)
        out.push(values[Math.round((i * (values.length - 1)) / (n - 1))]);
    return out;
}
// Plain-text quantities for the analysis's one-sentence summaries and hints (the report
// escapes them; no Markdown here).
function formatBytesInText(bytes) {
    const sign = bytes < 0 ? '-' : '';
    let v = Math.abs(bytes);
    // A fraction of a byte per request is still worth saying ("0.31 B", never "0 B" for a nonzero floor).
    if (v < 1024)
        return `${sign}${v >= 10 || v === 0 ? Math.round(v) : Number(v.toPrecision(2))} B`;
    const units = ['KiB', 'MiB', 'GiB', 'TiB'];
    let u = -1;
    while (v >= 1024 && u < units.length - 1) {
        v /= 1024;
        u++;
    }
    return `${sign}${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ${units[u]}`;
}
function formatCountInText(n) {
    if (Math.abs(n) >= 1e6)
        return `${(n / 1e6).toFixed(1)}M`;
    if (Math.abs(n) >= 1e4)
        return `${(n / 1e3).toFixed(0)}k`;
    return Number.isInteger(n) ? String(n) : n.toPrecision(3);
}
function formatNumber(n, digits = 3) {
    if (!Number.isFinite(n))
        return String(n);
    if (n === 0)
        return '0';
    return Math.abs(n) >= 10 ** digits ? Math.round(n).toString() : Number(n.toPrecision(digits)).toString();
}
function formatPercent(fraction) {
    if (!Number.isFinite(fraction))
        return fraction > 0 ? 'new' : String(fraction);
    const p = fraction * 100;
    const abs = Math.abs(p);
    // Rounding must not turn -99.7% into -100% (everything gone).
    const text = abs >= 10 && !(p < 0 && abs >= 99.5 && abs < 100) ? p.toFixed(0) : p.toFixed(1);
    return `${p >= 0 ? '+' : ''}${text}%`;
}
/** 4.2 MB: the progress line's decimal units. */
function formatDecimalBytes(bytes) {
    const units = ['B', 'kB', 'MB', 'GB', 'TB'];
    let v = bytes;
    let u = 0;
    while (v >= 1000 && u < units.length - 1) {
        v /= 1000;
        u++;
    }
    return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}
/** 12,345: a count in the log, every digit kept. */
function formatGrouped(n) {
    return Math.round(n).toLocaleString('en-US');
}
/** 512 MiB, 1.5 GiB: a memory limit. */
function formatMemoryLimit(bytes) {
    const GiB = 1024 ** 3;
    return bytes >= GiB ? `${+(bytes / GiB).toFixed(1)} GiB` : `${Math.round(bytes / 1024 ** 2)} MiB`;
}
/** 64 MiB, 12 KiB, or 1234 bytes: a size as given, never rounded. */
function formatExactBytes(n) {
    const MiB = 1024 * 1024;
    if (n % MiB === 0)
        return `${n / MiB} MiB`;
    if (n % 1024 === 0)
        return `${n / 1024} KiB`;
    return `${n} bytes`;
}

const FAIL_ON_WORDS = ['leak', 'new-leak', 'regression', 'no-verdict', 'none'];
function where(f) {
    const frame = f.site.ownFrame;
    const file = frame ? ` (${frame.file.split('/').pop()}:${frame.line})` : '';
    return `${frame?.function ?? f.site.function}${file}`;
}
function describe(f) {
    if (f.kind === 'crash')
        return `the service crashed under load: ${f.summary}`;
    return `${f.kind} ${formatRate(f.rate, f.unit)} in ${where(f)}`;
}
/**
 * Why the step fails, one line per reason. `analysis`, when given, names the
 * finding or the allocation change behind each reason.
 */
function failuresFor(verdict, failOn, analysis) {
    const words = failOn.map((w) => w.trim().toLowerCase()).filter(Boolean);
    for (const word of words) {
        if (!FAIL_ON_WORDS.includes(word)) {
            throw new Error(`fail-on: unknown word ${JSON.stringify(word)}; expected any of ${FAIL_ON_WORDS.join(', ')}`);
        }
    }
    if (words.includes('none'))
        return [];
    const findings = (analysis?.findings ?? []).filter((f) => isLeakKind(f.kind));
    const reasons = [];
    // new-leak is the narrower word: when both are given, the leak line says what is new.
    if (words.includes('new-leak') && verdict.newLeak) {
        const fresh = findings.filter((f) => f.status === 'new' || f.status === 'worsened');
        const detail = fresh.length ? `: ${fresh.slice(0, 3).map(describe).join('; ')}` : '';
        reasons.push(`new leak on head (fail-on: new-leak)${detail}`);
    }
    else if (words.includes('leak') && verdict.leak) {
        const detail = findings.length ? `: ${findings.slice(0, 3).map(describe).join('; ')}` : '';
        reasons.push(`head leaks (fail-on: leak)${detail}`);
    }
    if (words.includes('leak') && verdict.leak && words.includes('new-leak') && verdict.newLeak) {
        // Already reported above with the new findings; the pre-existing ones still fail `leak`.
        const old = findings.filter((f) => f.status === 'pre-existing' || f.status === 'unknown');
        if (old.length)
            reasons.push(`head leaks (fail-on: leak): ${old.slice(0, 3).map(describe).join('; ')}`);
    }
    if (words.includes('regression') && verdict.regression) {
        const total = analysis?.total;
        let detail = '';
        if (total?.base) {
            detail = `: ${formatChange(total.change)} bytes allocated per request (${formatBytes(total.base.bytesPerRequest)} -> ${formatBytes(total.head.bytesPerRequest)})`;
            const top = analysis?.growing.find((g) => g.significant);
            if (top)
                detail += `, most in ${top.site.ownFrame?.function ?? top.site.function}`;
        }
        reasons.push(`allocation regression (fail-on: regression)${detail}`);
    }
    // A run that could not judge (requests failed or were throttled, the run was cut short) must not
    // pass a required check as if it had measured the code; a finding it did make fails above instead.
    const doubt = analysis?.untrustworthy?.[0];
    if (words.includes('no-verdict') && doubt && reasons.length === 0) {
        reasons.push(`no verdict (fail-on: no-verdict): ${doubt.replace(/\s*\n\s*/g, ' ')}`);
    }
    return reasons;
}

// Parsers for particular inputs: fail-on, rate, the repository paths, package,
// base-ref, memory-limit, and the plain-text check every input's raw text passes.
// Each throws UsageError naming the input and showing the expected form.
function parseFailOn(raw) {
    const words = raw
        .split(/[\s,]+/)
        .map((w) => w.trim())
        .filter(Boolean);
    for (const word of words) {
        if (!FAIL_ON_WORDS.includes(word)) {
            throw new UsageError(`fail-on: expected any of ${FAIL_ON_WORDS.join(', ')} separated by commas, got ${JSON.stringify(word)}`);
        }
    }
    if (words.length === 0)
        throw new UsageError(`fail-on: expected any of ${FAIL_ON_WORDS.join(', ')}, got nothing`);
    if (words.includes('none') && words.length > 1)
        throw new UsageError('fail-on: "none" cannot be combined with other words');
    return words;
}
/** "200" or "200/s": requests per second, more than 0. */
function parseRate(raw) {
    const m = /^(\d+(?:\.\d+)?)\s*(?:\/s)?$/.exec(raw.trim());
    const rate = m ? Number(m[1]) : NaN;
    if (!(rate > 0) || rate > 10_000_000) {
        throw new UsageError(`rate: expected requests per second above 0, like 200 or 200/s, got ${JSON.stringify(raw)}`);
    }
    return rate;
}
function relativePath(name, raw) {
    const text = raw.trim() || '.';
    if (text.startsWith('/') || text.split(/[\\/]/).includes('..')) {
        throw new UsageError(`${name}: expected a path inside the repository like ./cmd/api, got ${JSON.stringify(raw)}`);
    }
    return text;
}
/**
 * A package path as `go build` takes it: ./cmd/api, ., example.com/x/cmd/y.
 * Never a flag: `-toolexec=/tmp/x.sh` would run a program for every compile.
 */
function packagePath(raw) {
    const text = raw.trim();
    if (text.startsWith('-') ||
        !/^[A-Za-z0-9._~/+@-]+$/.test(text) ||
        text.startsWith('/') ||
        text.split('/').includes('..')) {
        throw new UsageError(`package: expected a Go package path like ./cmd/api or example.com/svc/cmd/api, got ${JSON.stringify(raw)}`);
    }
    return text;
}
/** C0 controls but tab and line breaks, and DEL: never meant in an input, and NUL breaks every exec. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL$2 = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
/** Inputs that are several lines by design; every other input is one line. */
const MULTI_LINE = new Set(['build-command', 'args', 'env', 'requests', 'headers', 'setup-command']);
/** The raw text of an input, refused when it holds what no input means (control characters, a stray line break). */
function plainText(name, raw) {
    // requests reports a control character with the line it is on (load/requests.ts).
    const control = name === 'requests' ? null : CONTROL$2.exec(raw);
    if (control) {
        const code = control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
        throw new UsageError(`${name}: contains the control character U+${code}; expected plain text`);
    }
    if (!MULTI_LINE.has(name) && /[\r\n]/.test(raw.trim())) {
        throw new UsageError(`${name}: expected one line, got ${JSON.stringify(raw)}`);
    }
    return raw;
}
/** A commit-ish for git: never an option (`--upload-pack=...` would run a program), no spaces. */
function gitRef(raw) {
    const text = raw.trim();
    if (text && (text.startsWith('-') || /\s/.test(text))) {
        throw new UsageError(`base-ref: expected a branch, tag or commit like main or origin/main, got ${JSON.stringify(raw)}`);
    }
    return text;
}
/** Half of this machine's memory: room for us and the other side's data while a side leaks to the limit. */
function defaultMemoryLimit(total = totalmem()) {
    return Math.floor(total / 2 / 1024 ** 2) * 1024 ** 2;
}
function parseMemoryLimit(raw) {
    const text = raw.trim().toLowerCase();
    if (text === 'auto')
        return defaultMemoryLimit();
    if (text === 'none' || text === '0')
        return undefined;
    try {
        return parseSize('memory-limit', raw, 64 * 1024 ** 2, 1024 ** 4);
    }
    catch {
        throw new UsageError(`memory-limit: expected auto, none, or a size from 64MiB like 2GiB, got ${JSON.stringify(raw)}`);
    }
}

// One typed Inputs object, validated up front: every error names the input and
// shows the expected form, before anything is built or started.
/** Bytes per request: "32B", "1KiB", or a bare number of bytes. */
function parseMinLeak(raw) {
    const text = /^\s*\d+\s*$/.test(raw) ? `${raw.trim()}B` : raw;
    try {
        return parseSize('min-leak', text, 1, 1024 ** 2);
    }
    catch {
        throw new UsageError(`min-leak: expected bytes per request from 1B to 1MiB, like 32B or 1KiB, got ${JSON.stringify(raw)}`);
    }
}
/**
 * Reads and validates every input. `get` returns the raw text of an input or ''
 * (core.getInput in the action, flags in the CLI); '' means the default.
 */
function readInputs(get) {
    const value = (name) => {
        const raw = plainText(name, get(name));
        return raw.trim() === '' ? INPUT_DEFAULTS[name] : raw;
    };
    const port = parseInteger('port', value('port'), 1, 65535);
    const pprofUrl = parseHttpUrl('pprof-url', value('pprof-url') || `http://127.0.0.1:${port}/debug/pprof`).replace(/\/+$/, '');
    const readyUrl = parseHttpUrl('ready-url', value('ready-url') || `${pprofUrl}/`);
    const requestsFile = value('requests-file').trim();
    if (requestsFile && value('requests').trim() !== INPUT_DEFAULTS.requests) {
        throw new UsageError('requests-file: give either requests or requests-file, not both');
    }
    const durationMs = parseDuration('duration', value('duration'));
    const snapshots = parseInteger('snapshots', value('snapshots'), 3, 60);
    const stopEarly = parseBoolean('stop-early', value('stop-early'));
    // The sequential schedule has its own spacing; the fixed one must leave room between snapshots.
    if (!stopEarly && durationMs / snapshots < 500) {
        throw new UsageError(`snapshots: ${snapshots} snapshots in ${value('duration')} leaves under 0.5 s between them; use fewer or a longer duration`);
    }
    const rate = value('rate').trim() ? parseRate(value('rate')) : undefined;
    if (!stopEarly && rate !== undefined && (rate * durationMs) / snapshots / 1000 < 10) {
        // Fewer would read as "the service stopped answering" between two snapshots, and the
        // per-window allocation figures would rest on a handful of requests.
        throw new UsageError(`rate: ${rate} requests/s leaves under 10 requests between snapshots (${snapshots} in ${value('duration')}); raise it, or use fewer snapshots`);
    }
    return {
        workingDirectory: relativePath('working-directory', value('working-directory')),
        package: packagePath(value('package')),
        buildCommand: value('build-command').trim(),
        args: parseArgs('args', value('args')),
        env: parseEnvLines(value('env')),
        port,
        pprofUrl,
        readyUrl,
        readyUrlGiven: value('ready-url').trim() !== '',
        readyTimeoutMs: parseDuration('ready-timeout', value('ready-timeout')),
        requests: parseRequests(value('requests')),
        requestsFile: requestsFile ? relativePath('requests-file', requestsFile) : '',
        headers: parseHeaderLines(value('headers')),
        ...(rate !== undefined ? { rate } : {}),
        setupCommand: value('setup-command').trim(),
        durationMs,
        warmupMs: parseDuration('warmup', value('warmup'), { allowZero: true }),
        connections: parseInteger('connections', value('connections'), 1, 1024),
        snapshots,
        stopEarly,
        minLeak: parseMinLeak(value('min-leak')),
        baseRef: gitRef(value('base-ref')),
        failOn: parseFailOn(value('fail-on')),
        regressionThreshold: parseFraction('regression-threshold', value('regression-threshold')),
        memProfileRate: parseInteger('memprofilerate', value('memprofilerate'), 1, 1 << 30),
        comment: parseBoolean('comment', value('comment')),
        commentId: value('comment-id').trim(),
        timeoutMs: parseDuration('timeout', value('timeout')),
        traceSeconds: parseDuration('trace', value('trace'), { allowZero: true }) / 1000,
        selfCheck: parseBoolean('self-check', value('self-check')),
        // 4 GiB: the largest buffer Node 20 makes (buffer.constants.MAX_LENGTH on 64-bit).
        maxProfileBytes: parseSize('max-profile-size', value('max-profile-size'), 1024, 4 * 1024 ** 3),
        memoryLimit: parseMemoryLimit(value('memory-limit')),
    };
}
const MODES = ['full', 'analyze', 'comment', 'aggregate'];
function readActionInputs(get) {
    const value = (name) => {
        const raw = plainText(name, get(name));
        return raw.trim() === '' ? ACTION_INPUT_DEFAULTS[name] : raw.trim();
    };
    const mode = value('mode').toLowerCase();
    if (!MODES.includes(mode))
        throw new UsageError(`mode: expected one of ${MODES.join(', ')}, got ${JSON.stringify(value('mode'))}`);
    // Without report-path, modes comment and aggregate download the measuring run's artifacts.
    const reportPath = value('report-path');
    const checkName = value('check-name');
    if (checkName.length > 100 || /[\r\n]/.test(checkName))
        throw new UsageError('check-name: expected one line of at most 100 characters');
    const commentAuthor = value('comment-author');
    if (commentAuthor && !/^[A-Za-z0-9-]+(\[bot\])?$/.test(commentAuthor))
        throw new UsageError(`comment-author: expected a GitHub login like github-actions[bot], got ${JSON.stringify(commentAuthor)}`);
    return {
        mode: mode,
        reportPath,
        checkName,
        deleteCommentWhenClean: parseBoolean('delete-comment-when-clean', value('delete-comment-when-clean')),
        commentAuthor,
        uploadArtifact: parseBoolean('upload-artifact', value('upload-artifact')),
        // Empty means "by mode": the modes that post for one measured report.
        reviewComments: value('review-comments')
            ? parseBoolean('review-comments', value('review-comments'))
            : mode === 'full' || mode === 'comment',
        allowUntrustedCode: parseBoolean('allow-untrusted-code', value('allow-untrusted-code')),
    };
}

// What to change, chosen by rules over the evidence. Each rule is a small
// predicate over what the profiles show and a sentence naming the code to fix;
// the first rule that matches wins, the last one always matches. The rule's id
// goes into Finding.details.hintRule so a reader can see why this advice.
const MAP_FRAME = /^(runtime\.(mapassign|makemap|hashGrow|growWork|evacuate)|internal\/runtime\/maps\.)/;
const SLICE_FRAME = /^runtime\.growslice/;
const BUFFER_FRAME = /^(strings\.\(\*Builder\)\.|bytes\.\(\*Buffer\)\.|bytes\.growSlice$)/;
/** A single live object at least this big that keeps growing is a slice's backing array. */
const GROWING_OBJECT_MIN = 64 * 1024;
const any = (fns, re) => [...fns].some((f) => re.test(f));
function heapLeakHint(e) {
    if (any(e.functions, MAP_FRAME)) {
        return {
            rule: 'map',
            hint: `Entries are added to a map in ${e.where} and never removed. Bound it: an LRU or TTL cache with a maximum size, or delete the entry when the request or session it belongs to ends.`,
        };
    }
    if (any(e.functions, BUFFER_FRAME)) {
        return {
            rule: 'buffer',
            hint: `A strings.Builder or bytes.Buffer filled in ${e.where} stays reachable. Do not keep it in a long-lived struct or global; Reset() it after use, and copy out the bytes you keep (a slice of its bytes pins the whole buffer).`,
        };
    }
    const growingObject = e.largestObjectEnd >= GROWING_OBJECT_MIN &&
        e.largestObjectEnd >= 1.5 * Math.max(e.largestObjectStart, 1) &&
        e.largestObjectEnd >= 0.1 * e.inuseEnd;
    if (any(e.functions, SLICE_FRAME) || growingObject) {
        const size = growingObject
            ? ` (its backing array is now one ${formatBytesInText(e.largestObjectEnd)} object)`
            : '';
        return {
            rule: 'slice',
            hint: `A slice appended to in ${e.where} only grows${size}. Cap it (drop the oldest entries, or use a ring buffer), or reset it with s = s[:0] once its contents are consumed; remember that a sub-slice keeps the whole backing array alive.`,
        };
    }
    if (e.inuseObjectsEnd - e.inuseObjectsStart >= 100 && e.inuseEnd / Math.max(1, e.inuseObjectsEnd) < 4096) {
        return {
            rule: 'collection',
            hint: `Small objects allocated in ${e.where} pile up, about one more per request: something long-lived (a global map or slice, a cache without eviction, a channel buffer, a goroutine that never exits) keeps them. Find that owner and bound it (LRU, TTL, maximum size) or remove the entries when done.`,
        };
    }
    return {
        rule: 'retained',
        hint: `Memory allocated in ${e.where} is never freed: something long-lived still references it (a global, a cache, a closure held by a goroutine that never exits). Release the reference when the work is done, or bound the structure that holds it.`,
    };
}
function boundedGrowthHint(where, plateau) {
    return {
        rule: 'bounded',
        hint: `Live memory from ${where} grew, then levelled off at about ${formatBytesInText(plateau)}: a cache or pool filling to its bound, not a leak. Check that the bound suits production traffic and that entries expire.`,
    };
}
function totalHeapHint(contributors) {
    const who = contributors.length ? ` The largest contributors: ${contributors.join(', ')}.` : '';
    return {
        rule: 'spread',
        hint: `The live heap keeps growing with requests, but no single allocation site does so clearly enough on its own: several sites grow a little each, or the leaked objects are allocated from many places.${who} Look for one structure that holds them all (a global map or slice, a registry of subscribers or callbacks).`,
    };
}
function goroutineLeakHint(e) {
    const who = e.creator ? `Goroutines started by ${e.creator}` : `Goroutines parked in ${e.blockingFunction}`;
    const reason = (e.waitReason ?? '').toLowerCase();
    const wait = e.waitFunction ?? '';
    const fns = e.functions;
    if (fns.some((f) => f.startsWith('net/http.(*persistConn).'))) {
        return {
            rule: 'persistconn',
            hint: `HTTP client connections stay open, each holding a read and a write goroutine: close every response body (defer resp.Body.Close() right after the error check) and drain it (io.Copy(io.Discard, resp.Body)) so the connection is reused.`,
        };
    }
    if (fns.includes('net/http.(*conn).serve')) {
        return {
            rule: 'server-conn',
            hint: `Connections to this server stay open and idle: clients (perhaps this service calling itself, see any connection leak) open new ones without closing the old. Set http.Server ReadHeaderTimeout and IdleTimeout so idle connections are closed, and close response bodies on the client side.`,
        };
    }
    if (reason.startsWith('chan send') || /^runtime\.chansend/.test(wait)) {
        return {
            rule: 'chan-send',
            hint: `${who} block forever sending on a channel no one receives from (in ${e.blockingFunction}). Give the send a way out: select on ctx.Done() beside the send, or make the channel buffered so the sender can finish when the receiver has gone (e.g. after a timeout).`,
        };
    }
    if (reason.startsWith('chan receive') || /^runtime\.chanrecv/.test(wait)) {
        return {
            rule: 'chan-receive',
            hint: `${who} block forever receiving from a channel no one sends on or closes (in ${e.blockingFunction}). Close the channel when the producer is done, or select on ctx.Done() so the receiver can leave.`,
        };
    }
    if (reason.startsWith('select (no cases)') || wait === 'runtime.block') {
        return {
            rule: 'select-empty',
            hint: `${who} end in an empty select {} (in ${e.blockingFunction}), which never returns: return instead, or wait on a context.`,
        };
    }
    if (reason.startsWith('select') || wait === 'runtime.selectgo') {
        return {
            rule: 'select',
            hint: `${who} wait in a select where no case can fire (in ${e.blockingFunction}). Make sure one always can: add case <-ctx.Done() with a context cancelled when the work ends, or a timeout; close the channels the other cases wait on.`,
        };
    }
    if (reason.startsWith('io wait') || wait === 'runtime.netpollblock') {
        return {
            rule: 'io-wait',
            hint: `${who} wait on network I/O that never completes (in ${e.blockingFunction}). Set deadlines (http.Client.Timeout, SetReadDeadline, a context with a timeout) and close the connections you open.`,
        };
    }
    if (reason.startsWith('semacquire') ||
        reason.startsWith('sync.') ||
        /^runtime\.(semacquire|notifyListWait)/.test(wait)) {
        return {
            rule: 'sync',
            hint: `${who} wait on a lock, WaitGroup or Cond that is never released (in ${e.blockingFunction}). Pair every Add with a Done (defer wg.Done()), every Lock with an Unlock (defer mu.Unlock()), and signal or broadcast the Cond on every path.`,
        };
    }
    if (reason.startsWith('sleep') ||
        fns.includes('time.Sleep') ||
        fns.some((f) => f.startsWith('time.(*Ticker)'))) {
        return {
            rule: 'sleep',
            hint: `${who} loop forever on a timer or sleep (in ${e.blockingFunction}). Stop them with a context or a done channel, and Stop() tickers when done.`,
        };
    }
    return {
        rule: 'goroutine',
        hint: `${who} never exit (parked in ${e.blockingFunction}). Give every goroutine a reachable exit: pass a context and return on ctx.Done(), and make sure whatever it waits for always happens.`,
    };
}
// ------------------------------------------------------------------ connections
function connectionLeakHint(caller) {
    const where = caller ? ` in ${caller}` : '';
    return {
        rule: 'response-body',
        hint: `Close the HTTP response body${where}: defer resp.Body.Close() right after checking the error of client.Do/Get/Post, and drain it first (io.Copy(io.Discard, resp.Body)) so the connection goes back to the pool instead of a new one being dialled for every request.`,
    };
}
function rssGrowthHint(e) {
    const half = 0.5 * e.rssGrowth;
    if ((e.stackInuseGrowth ?? 0) >= half ||
        ((e.stackInuseGrowth ?? 0) >= 0.25 * e.rssGrowth && (e.goroutineGrowth ?? 0) > 0)) {
        return {
            rule: 'stacks',
            hint: `Goroutine stacks grew by ${formatBytesInText(e.stackInuseGrowth ?? 0)} (StackInuse): goroutines that do not exit, or deep recursion. Look at the goroutine counts; each parked goroutine keeps its stack.`,
        };
    }
    if ((e.unreturnedGrowth ?? 0) >= half) {
        const limit = e.gomemlimit ? `GOMEMLIMIT is ${e.gomemlimit}; lower it` : 'Set GOMEMLIMIT';
        return {
            rule: 'not-returned',
            hint: `The heap is flat but the runtime keeps ${formatBytesInText(e.unreturnedGrowth ?? 0)} more of freed memory it has not returned to the OS (HeapIdle - HeapReleased), which RSS still counts (on macOS, MADV_FREE pages stay in RSS until there is memory pressure). ${limit} so the scavenger returns memory sooner, try GODEBUG=madvdontneed=1 on Linux, or call debug.FreeOSMemory() after bursts; it is not a leak in your code.`,
        };
    }
    if (e.sysGrowth !== undefined && e.sysGrowth < 0.25 * e.rssGrowth) {
        return {
            rule: 'outside-go',
            hint: `RSS grew by ${formatBytesInText(e.rssGrowth)} while the Go runtime's own memory (Sys) grew by only ${formatBytesInText(e.sysGrowth)}: the memory is outside the Go heap, in cgo or C libraries, or in memory-mapped files. Check C allocations are freed (C.free) and mappings unmapped.`,
        };
    }
    if (e.heapSysGrowth !== undefined && e.heapSysGrowth >= half) {
        return {
            rule: 'fragmentation',
            hint: `The runtime reserved ${formatBytesInText(e.heapSysGrowth)} more heap (HeapSys) while live data stayed flat: heap fragmentation or a GC that lets the heap grow (GOGC). Set GOMEMLIMIT to cap it, and look for large short-lived allocations.`,
        };
    }
    return {
        rule: 'runtime',
        hint: `RSS grows while the live heap does not: runtime overhead, memory not yet returned to the OS, or allocations outside Go (cgo). Compare Sys, HeapReleased and StackInuse in the details; GOMEMLIMIT makes the runtime return memory sooner.`,
    };
}

const MAX_STACK_FRAMES = 32;
/** A frame of the service's own module: main, or under the module path from go.mod. */
function isOwnFunction(name, modulePath) {
    if (name.startsWith('main.'))
        return true;
    if (!modulePath)
        return false;
    return name.startsWith(modulePath + '.') || name.startsWith(modulePath + '/');
}
function isRuntimeFunction(name) {
    return name.startsWith('runtime.') || name.startsWith('internal/runtime/');
}
/**
 * Go's allocator entry points, when the profile records them above the code that
 * allocated (goroutine descriptors made on the system stack do): never the site.
 */
const MALLOC_ENTRY = /^runtime\.(mallocgc\w*|newobject|newarray)$/;
/** The profiler's own work: net/http/pprof serving our scrapes allocates, and grows with what it dumps. */
const PROFILER = /^(runtime\/pprof|net\/http\/pprof)\./;
/** The stack from the function that asked for the memory, allocator entry frames dropped. */
function allocationStack(stack) {
    let i = 0;
    while (i < stack.length - 1 && MALLOC_ENTRY.test(stack[i].func.name))
        i++;
    return i === 0 ? stack : stack.slice(i);
}
/** Whether a heap sample is the measurement's own allocation (serving a profile), not the service's. */
function isProfilerSample(stack) {
    return stack.some((f) => PROFILER.test(f.func.name));
}
function frameText(f) {
    return `${f.func.name} ${f.func.filename}:${f.line}`;
}
function sourceFrame(f) {
    return { function: f.func.name, file: f.func.filename, line: f.line };
}
function firstOwnFrame(stack, modulePath) {
    return stack.find((f) => isOwnFunction(f.func.name, modulePath));
}
/** "leaf < own" (or just the leaf when the leaf is the own frame or there is none). */
function heapSiteKey(stack, modulePath) {
    if (stack.length === 0)
        return '(no stack)';
    const leaf = stack[0].func.name;
    const own = firstOwnFrame(stack, modulePath);
    return own && own.func.name !== leaf ? `${leaf} < ${own.func.name}` : leaf;
}
function makeSite(key, fn, stack, modulePath) {
    const own = firstOwnFrame(stack, modulePath);
    return {
        key,
        function: fn,
        ownFrame: own ? sourceFrame(own) : undefined,
        stack: stack.slice(0, MAX_STACK_FRAMES).map(frameText),
    };
}
/** Index of a sample type by name, -1 when the profile lacks it. */
function valueIndex(profile, type) {
    if (!profile)
        return -1;
    return profile.sampleTypes.findIndex((t) => t.type === type);
}
const zeroHeapValues = () => ({
    inuseSpace: 0,
    inuseObjects: 0,
    allocSpace: 0,
    allocObjects: 0,
    largestObject: 0,
});
function heapValues(profile) {
    const iIS = valueIndex(profile, 'inuse_space');
    const iIO = valueIndex(profile, 'inuse_objects');
    const iAS = valueIndex(profile, 'alloc_space');
    const iAO = valueIndex(profile, 'alloc_objects');
    const at = (s, i) => (i >= 0 ? (s.values[i] ?? 0) : 0);
    return (s) => {
        const inuseSpace = at(s, iIS);
        const inuseObjects = at(s, iIO);
        return {
            inuseSpace,
            inuseObjects,
            allocSpace: at(s, iAS),
            allocObjects: at(s, iAO),
            largestObject: inuseObjects > 0 ? inuseSpace / inuseObjects : 0,
        };
    };
}
/**
 * Aggregates heap profiles (in snapshot order) by site. The site's representative
 * stack (what the report shows) is its sample with the most live bytes in the
 * latest profile where it is live, else the most allocated bytes.
 */
function heapBySite(profiles, modulePath) {
    const sites = new Map();
    const series = new Map();
    const totals = [];
    const best = new Map();
    profiles.forEach((profile, pi) => {
        const read = heapValues(profile);
        const total = zeroHeapValues();
        for (const sample of profile.samples) {
            // A decoded sample builds its stack on each read: read it once.
            const raw = sample.stack;
            // Serving our own scrapes is not the service's allocation (it scales with what is dumped).
            if (isProfilerSample(raw))
                continue;
            const stack = allocationStack(raw);
            const v = read(sample);
            const key = heapSiteKey(stack, modulePath);
            let row = series.get(key);
            if (!row) {
                row = profiles.map(zeroHeapValues);
                series.set(key, row);
                sites.set(key, {
                    site: makeSite(key, stack[0]?.func.name ?? '(no stack)', [], modulePath),
                    functions: new Set(),
                    stacks: [],
                });
            }
            const cell = row[pi];
            cell.inuseSpace += v.inuseSpace;
            cell.inuseObjects += v.inuseObjects;
            cell.allocSpace += v.allocSpace;
            cell.allocObjects += v.allocObjects;
            cell.largestObject = Math.max(cell.largestObject, v.largestObject);
            total.inuseSpace += v.inuseSpace;
            total.inuseObjects += v.inuseObjects;
            total.allocSpace += v.allocSpace;
            total.allocObjects += v.allocObjects;
            total.largestObject = Math.max(total.largestObject, v.largestObject);
            const info = sites.get(key);
            for (const f of stack)
                info.functions.add(f.func.name);
            if (info.stacks.length < 64)
                info.stacks.push(stack);
            // Later profiles win; within one, live bytes beat allocated bytes.
            const rank = [
                pi,
                v.inuseSpace > 0 ? 1 : 0,
                v.inuseSpace > 0 ? v.inuseSpace : v.allocSpace,
            ];
            const prev = best.get(key);
            if (!prev || compareRank(rank, prev.rank) > 0)
                best.set(key, { rank, stack });
        }
        totals.push(total);
    });
    for (const [key, { stack }] of best) {
        const info = sites.get(key);
        info.site = makeSite(key, stack[0]?.func.name ?? '(no stack)', stack, modulePath);
    }
    return { sites, series, totals };
}
function compareRank(a, b) {
    for (let i = 0; i < a.length; i++)
        if (a[i] !== b[i])
            return a[i] - b[i];
    return 0;
}

// The standard normal law, to double precision: density, tails, quantile. The
// rank tests' large-sample approximations and the intervals' z come from here.
const LN_SQRT_2PI = 0.9189385332046728;
/** Standard normal density. */
function normalPdf(x) {
    return Math.exp(-0.5 * x * x - LN_SQRT_2PI);
}
/** Upper tail P(Z > x), accurate in the far tail (p-values need that, not 1 - cdf). */
function normalSf(x) {
    if (Number.isNaN(x))
        return NaN;
    if (x < 0)
        return 1 - normalSf(-x);
    if (x > 40)
        return 0;
    if (x < 3) {
        // Marsaglia (2004), "Evaluating the normal distribution": Taylor series of Phi around 0.
        let s = x;
        let t = 0;
        let b = x;
        const q = x * x;
        let i = 1;
        while (s !== t) {
            t = s;
            i += 2;
            b *= q / i;
            s = t + b;
        }
        return 0.5 - s * Math.exp(-0.5 * q - LN_SQRT_2PI);
    }
    // Mills ratio by the continued fraction x + 1/(x + 2/(x + 3/(x + ...))), Lentz's method.
    const tiny = 1e-300;
    let f = x;
    let c = x;
    let d = 0;
    for (let k = 1; k < 500; k++) {
        d = x + k * d;
        d = d === 0 ? tiny : d;
        c = x + k / c;
        c = c === 0 ? tiny : c;
        d = 1 / d;
        const delta = c * d;
        f *= delta;
        if (Math.abs(delta - 1) < 1e-16)
            break;
    }
    return normalPdf(x) / f;
}
function normalCdf(x) {
    return normalSf(-x);
}
/** Inverse of normalCdf: Acklam's rational approximation, polished by one Halley step. */
function normalQuantile(p) {
    if (!(p > 0 && p < 1)) {
        if (p === 0)
            return -Infinity;
        if (p === 1)
            return Infinity;
        return NaN;
    }
    const a = [
        -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
        2.506628277459239,
    ];
    const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
    const c = [
        -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
        2.938163982698783,
    ];
    const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
    const pLow = 0.02425;
    let x;
    if (p < pLow) {
        const q = Math.sqrt(-2 * Math.log(p));
        x =
            (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
                ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    }
    else if (p <= 1 - pLow) {
        const q = p - 0.5;
        const r = q * q;
        x =
            ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) /
                (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
    }
    else {
        const q = Math.sqrt(-2 * Math.log(1 - p));
        x =
            -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
                ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    }
    // cdf(x) - p, each side computed from its accurate tail
    const e = p < 0.5 ? normalCdf(x) - p : 1 - p - normalSf(x);
    const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
    return x - u / (1 + (x * u) / 2);
}

// Rank tests for few, noisy points: Mann-Kendall (a trend in one series) and
// Mann-Whitney U (one sample above another), exact for small samples without
// ties, else the normal approximation with tie corrections, as SciPy computes them.
/** Sizes of the groups of equal values (only groups of 2 or more). */
function tieGroups(values) {
    const sorted = [...values].sort((a, b) => a - b);
    const groups = [];
    let run = 1;
    for (let i = 1; i <= sorted.length; i++) {
        if (i < sorted.length && sorted[i] === sorted[i - 1])
            run++;
        else {
            if (run > 1)
                groups.push(run);
            run = 1;
        }
    }
    return groups;
}
/**
 * Mann-Kendall trend test of y against its order in x (x sorts the points;
 * pairs with equal x contribute 0, as in a time series with simultaneous points).
 */
function mannKendall(x, y) {
    const order = x.map((_, i) => i).sort((a, b) => x[a] - x[b]);
    const xs = order.map((i) => x[i]);
    const ys = order.map((i) => y[i]);
    const n = ys.length;
    let s = 0;
    for (let i = 0; i < n; i++) {
        for (let j = i + 1; j < n; j++) {
            if (xs[j] === xs[i])
                continue;
            s += Math.sign(ys[j] - ys[i]);
        }
    }
    const ties = tieGroups(ys);
    const varS = (n * (n - 1) * (2 * n + 5) - ties.reduce((acc, t) => acc + t * (t - 1) * (2 * t + 5), 0)) / 18;
    const z = varS > 0 ? (s - Math.sign(s)) / Math.sqrt(varS) : 0;
    const pIncreasing = varS > 0 ? normalSf(z) : 1;
    const pDecreasing = varS > 0 ? normalCdf(z) : 1;
    const pTwoSided = varS > 0 ? Math.min(1, 2 * normalSf(Math.abs(z))) : 1;
    const exact = ties.length === 0 && tieGroups(xs).length === 0 && n >= 2 && n <= 60;
    const pIncreasingExact = exact ? kendallUpperTail(n, s) : pIncreasing;
    return {
        s,
        varS,
        z,
        tau: n > 1 ? s / ((n * (n - 1)) / 2) : 0,
        pTwoSided,
        pIncreasing,
        pDecreasing,
        pIncreasingExact,
        exact,
    };
}
/** P(S >= s) for Kendall's S of n untied points under independence, from the Mahonian numbers. */
function kendallUpperTail(n, s) {
    // S = pairs - 2 * inversions, so S >= s  <=>  inversions <= (pairs - s) / 2.
    const pairs = (n * (n - 1)) / 2;
    const maxInv = Math.floor((pairs - s) / 2);
    if (maxInv < 0)
        return 0;
    const dist = inversionDistribution(n);
    let p = 0;
    for (let k = 0; k <= Math.min(maxInv, pairs); k++)
        p += dist[k];
    return Math.min(1, p);
}
const inversionCache = new Map();
/** Probability that a uniform random permutation of n has k inversions, k = 0..n(n-1)/2. */
function inversionDistribution(n) {
    const cached = inversionCache.get(n);
    if (cached)
        return cached;
    let dist = new Float64Array([1]);
    for (let m = 2; m <= n; m++) {
        // Inserting the m-th element adds 0..m-1 inversions, each equally likely.
        const next = new Float64Array(dist.length + m - 1);
        let window = 0;
        for (let k = 0; k < next.length; k++) {
            if (k < dist.length)
                window += dist[k];
            if (k - m >= 0)
                window -= dist[k - m];
            next[k] = window / m;
        }
        dist = next;
    }
    inversionCache.set(n, dist);
    return dist;
}
/** Ranks 1..n, ties given their average rank. */
function averageRanks(values) {
    const order = values.map((_, i) => i).sort((a, b) => values[a] - values[b]);
    const ranks = new Array(values.length);
    let i = 0;
    while (i < order.length) {
        let j = i;
        while (j + 1 < order.length && values[order[j + 1]] === values[order[i]])
            j++;
        const rank = (i + j) / 2 + 1;
        for (let k = i; k <= j; k++)
            ranks[order[k]] = rank;
        i = j + 1;
    }
    return ranks;
}
/**
 * Mann-Whitney U test. 'greater' tests whether x tends to be larger than y.
 * method 'auto' is exact without ties when both samples have at most 30 values
 * (the normal approximation is poor at the 5..8 windows a side we usually have).
 */
function mannWhitney(x, y, alternative = 'two-sided', method = 'auto') {
    const n1 = x.length;
    const n2 = y.length;
    if (n1 === 0 || n2 === 0)
        return { u: NaN, p: NaN, method: 'asymptotic' };
    const all = [...x, ...y];
    const ranks = averageRanks(all);
    const r1 = ranks.slice(0, n1).reduce((a, b) => a + b, 0);
    const u1 = r1 - (n1 * (n1 + 1)) / 2;
    const u2 = n1 * n2 - u1;
    const ties = tieGroups(all);
    const useExact = method === 'exact' || (method === 'auto' && ties.length === 0 && n1 <= 30 && n2 <= 30);
    if (useExact) {
        const cdf = mannWhitneyCdf(n1, n2);
        const sf = (u) => (u <= 0 ? 1 : 1 - cdf[Math.ceil(u) - 1]); // P(U >= u)
        let p;
        if (alternative === 'greater')
            p = sf(u1);
        else if (alternative === 'less')
            p = sf(u2);
        else
            p = 2 * sf(Math.max(u1, u2));
        return { u: u1, p: Math.min(1, Math.max(0, p)), method: 'exact' };
    }
    const n = n1 + n2;
    const mu = (n1 * n2) / 2;
    const tieSum = ties.reduce((acc, t) => acc + t * t * t - t, 0);
    const sigma = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieSum / (n * (n - 1))));
    if (!(sigma > 0))
        return { u: u1, p: 1, method: 'asymptotic' };
    let p;
    if (alternative === 'greater')
        p = normalSf((u1 - mu - 0.5) / sigma);
    else if (alternative === 'less')
        p = normalSf((u2 - mu - 0.5) / sigma);
    else
        p = 2 * normalSf((Math.max(u1, u2) - mu - 0.5) / sigma);
    return { u: u1, p: Math.min(1, Math.max(0, p)), method: 'asymptotic' };
}
const mwuCache = new Map();
/** cdf[u] = P(U <= u) for untied samples of sizes m and n, u = 0..mn. */
function mannWhitneyCdf(m, n) {
    const key = `${Math.min(m, n)},${Math.max(m, n)}`;
    const cached = mwuCache.get(key);
    if (cached)
        return cached;
    const a = Math.min(m, n);
    const b = Math.max(m, n);
    // Counts of U are the coefficients of the Gaussian binomial [a+b choose a]_q;
    // build it with [N,k] = [N-1,k-1] + q^k [N-1,k], keeping rows k = 0..a.
    let rows = [new Float64Array([1])];
    for (let total = 1; total <= a + b; total++) {
        const next = [];
        for (let k = 0; k <= Math.min(a, total); k++) {
            const len = k * (total - k) + 1;
            const row = new Float64Array(len);
            const left = k > 0 ? rows[k - 1] : undefined; // [N-1, k-1]
            const right = k <= total - 1 ? rows[k] : undefined; // [N-1, k]
            if (left)
                for (let i = 0; i < left.length && i < len; i++)
                    row[i] += left[i];
            if (right)
                for (let i = 0; i < right.length && i + k < len; i++)
                    row[i + k] += right[i];
            next.push(row);
        }
        rows = next;
    }
    const counts = rows[a];
    const total = counts.reduce((s, c) => s + c, 0);
    const cdf = new Float64Array(counts.length);
    let acc = 0;
    for (let i = 0; i < counts.length; i++) {
        acc += counts[i];
        cdf[i] = acc / total;
    }
    mwuCache.set(key, cdf);
    return cdf;
}
/** Smallest p-value a two-sided exact Mann-Whitney test can reach with samples of m and n. */
function mannWhitneyMinP(m, n) {
    if (m === 0 || n === 0)
        return 1;
    const cdf = mannWhitneyCdf(m, n);
    return Math.min(1, 2 * cdf[0]);
}

// Small, dependency-free statistics for few, noisy points: quantiles, robust
// estimators (Theil-Sen, Hodges-Lehmann) and Holm's correction; the rank tests
// (rank-tests.ts) beside them do not depend on the noise being normal either.
// Heap profiles are sampled, so every series is count noise plus GC timing.
function median(values) {
    return quantile(values, 0.5);
}
/** Linear interpolation between order statistics (Hyndman-Fan type 7, NumPy's default). */
function quantile(values, q) {
    if (values.length === 0)
        return NaN;
    const sorted = [...values].sort((a, b) => a - b);
    return quantileSorted(sorted, q);
}
function quantileSorted(sorted, q) {
    if (sorted.length === 0)
        return NaN;
    const h = (sorted.length - 1) * Math.min(1, Math.max(0, q));
    const lo = Math.floor(h);
    const hi = Math.ceil(h);
    return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}
// ---------------------------------------------------------------- helpers
/** Round half to even, as NumPy's round does (Sen's interval indices must match SciPy). */
function roundHalfEven(x) {
    const r = Math.round(x);
    return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
/** Median of the pairwise slopes; pairs with equal x are skipped. confidence is e.g. 0.95. */
function theilSen(x, y, confidence = 0.95) {
    const slopes = [];
    for (let i = 0; i < x.length; i++) {
        for (let j = 0; j < x.length; j++) {
            const dx = x[j] - x[i];
            if (dx > 0)
                slopes.push((y[j] - y[i]) / dx);
        }
    }
    if (slopes.length === 0)
        return { slope: NaN, intercept: NaN, low: NaN, high: NaN };
    slopes.sort((a, b) => a - b);
    const slope = quantileSorted(slopes, 0.5);
    const intercept = median(y) - slope * median(x);
    const z = normalQuantile((1 - confidence) / 2);
    const n = y.length;
    const tieTerm = (k) => k * (k - 1) * (2 * k + 5);
    const sigsq = (n * (n - 1) * (2 * n + 5) -
        tieGroups(x).reduce((s, k) => s + tieTerm(k), 0) -
        tieGroups(y).reduce((s, k) => s + tieTerm(k), 0)) /
        18;
    const nt = slopes.length;
    if (!(sigsq > 0))
        return { slope, intercept, low: NaN, high: NaN };
    const sigma = Math.sqrt(sigsq);
    const ru = Math.min(roundHalfEven((nt - z * sigma) / 2), nt - 1);
    const rl = Math.max(roundHalfEven((nt + z * sigma) / 2) - 1, 0);
    return { slope, intercept, low: slopes[rl], high: slopes[ru] };
}
/**
 * Hodges-Lehmann estimate of the shift of y relative to x, with the interval
 * [D(k), D(mn+1-k)] where k is the largest index with P(U <= k-1) <= (1-confidence)/2
 * (exact null distribution of U without ties and small samples, normal approximation
 * otherwise): the classical interval of Hollander & Wolfe (section 4.3).
 */
function hodgesLehmann(x, y, confidence = 0.95) {
    const m = x.length;
    const n = y.length;
    if (m === 0 || n === 0)
        return { shift: NaN };
    const diffs = [];
    for (const xi of x)
        for (const yj of y)
            diffs.push(yj - xi);
    diffs.sort((a, b) => a - b);
    const shift = quantileSorted(diffs, 0.5);
    const alpha = 1 - confidence;
    const mn = m * n;
    let k;
    let coverage;
    if (m <= 30 && n <= 30) {
        const cdf = mannWhitneyCdf(m, n);
        k = 0;
        while (k < cdf.length && cdf[k] <= alpha / 2)
            k++; // now cdf[k-1] <= alpha/2 < cdf[k]
        coverage = k > 0 ? 1 - 2 * cdf[k - 1] : 0;
    }
    else {
        const z = normalQuantile(1 - alpha / 2);
        k = Math.floor(mn / 2 - z * Math.sqrt((mn * (m + n + 1)) / 12));
        coverage = confidence;
    }
    if (k < 1 || k > mn - k + 1)
        return { shift };
    return { shift, ci: [diffs[k - 1], diffs[mn - k]], coverage };
}
// ---------------------------------------------------------------- multiple testing
/** Holm-Bonferroni step-down adjusted p-values, in the input order. */
function holm(pValues) {
    const m = pValues.length;
    const order = pValues.map((_, i) => i).sort((a, b) => pValues[a] - pValues[b]);
    const adjusted = new Array(m);
    let running = 0;
    order.forEach((idx, rank) => {
        running = Math.max(running, Math.min(1, (m - rank) * pValues[idx]));
        adjusted[idx] = running;
    });
    return adjusted;
}

// One rule for "is this series leaking?", shared by heap sites, goroutine
// stacks, open descriptors and RSS: a robust slope against requests served, a
// rank trend test, still growing at the end of the run, not given back after
// the load stopped, and a total growth above what noise alone could produce.
/** Normal scores of the floors: a growth must stand this many sds above noise. */
const Z_SAMPLING = 3.5;
const Z_SCATTER = 3.5;
/** How far short of continued growth the second half may fall before it counts as a plateau. */
const Z_PLATEAU = 2.5;
/** A second half growing at less than this fraction of the overall slope has levelled off... */
const LATE_FRACTION = 0.5;
/** ...and a settled value keeping less than this fraction of the growth was released. */
const RETAINED_FRACTION = 0.5;
/** An early interval holding at least this share of the whole rise is a fill-up step... */
const STEP_SHARE = 0.5;
/** ...rising at least this many times faster than the run after it... */
const STEP_RATE_RATIO = 6;
/** ...when it lies in the first third of the run and leaves this many snapshots after it. */
const MIN_AFTER_STEP = 4;
/**
 * Sd of (fitted slope x span) per unit of iid noise, for n equally spaced points:
 * sqrt(12 (n-1) / (n (n+1))) for least squares, x1.05 for Theil-Sen's ~91% efficiency.
 */
function growthSdFactor(n) {
    if (n < 2)
        return Infinity;
    return 1.05 * Math.sqrt((12 * (n - 1)) / (n * (n + 1)));
}
function evaluateTrend(x, y, settled, opts) {
    const trend = evaluateSeries(x, y, settled, opts);
    // A cache that filled in an early step (a ring buffer, a pool warming up) inflates the
    // slope of the whole run: judge what came after the step on its own. Sampled estimates of
    // a full cache drift for a while (its sampled entries are renewed one cycle at a time), and
    // with the step counted that drift could pass for a leak.
    const step = trend.verdict === 'leak' ? fillStep(x, y) : undefined;
    if (step === undefined)
        return trend;
    const after = evaluateSeries(x.slice(step), y.slice(step), settled, { ...opts, correlatedSamples: true });
    // A leak whose first interval came out high by chance keeps growing at about its rate after it.
    const stepRate = (y[step] - y[step - 1]) / (x[step] - x[step - 1]);
    if (after.verdict === 'leak' || after.slope * STEP_RATE_RATIO > stepRate)
        return trend;
    return {
        ...trend,
        verdict: 'bounded',
        stillGrowing: false,
        reason: `filled up in an early step, then ${after.reason}`,
    };
}
/** Index of the snapshot after an early step holding most of the rise, if there is one. */
function fillStep(x, y) {
    const n = y.length;
    const rise = y[n - 1] - y[0];
    if (!(rise > 0))
        return undefined;
    for (let i = 1; i <= Math.floor((n - 1) / 3) && n - i >= MIN_AFTER_STEP; i++) {
        if (y[i] - y[i - 1] >= STEP_SHARE * rise && x[i] > x[i - 1])
            return i;
    }
    return undefined;
}
/**
 * Still growing: the second half keeps up with the overall slope, or falls short of
 * it by no more than its own noise; and the last value is above the first half's.
 */
function lateGrowth(x, y, slope, scatter, sampleBytes) {
    const n = x.length;
    const x0 = x[0];
    const xn = x[n - 1];
    const mid = Math.floor((n - 1) / 2);
    const lateX = x.slice(mid);
    const lateY = y.slice(mid);
    const lateFit = lateX.length >= 2 ? theilSen(lateX, lateY).slope : slope;
    const lateSlope = Number.isFinite(lateFit) ? lateFit : 0;
    const lateSpan = xn - x[mid];
    const expectedLate = slope * lateSpan;
    const observedLate = lateSlope * lateSpan;
    // sd of (expected - observed): both slopes' estimation error from the point noise,
    // plus the Poisson count of the samples the late half should have added.
    // The late slope's error comes from the late points' own noise (zero on a plateau of
    // retained samples, which is exactly when the global estimate is inflated by the rise).
    const lateScatter = lateX.length >= 3 ? localNoise(lateX, lateY) : scatter;
    const slopeNoise = (growthSdFactor(lateX.length) * lateScatter) ** 2 +
        (growthSdFactor(n) * (lateSpan / (xn - x0)) * scatter) ** 2;
    const lateNoise = Math.sqrt((sampleBytes ?? 0) * Math.max(0, expectedLate) + slopeNoise);
    const keepsUp = observedLate >= LATE_FRACTION * expectedLate || expectedLate - observedLate <= Z_PLATEAU * lateNoise;
    const lastAboveFirstHalf = y[n - 1] > median(y.slice(0, mid + 1));
    return { lateSlope, stillGrowing: keepsUp && lastAboveFirstHalf };
}
function evaluateSeries(x, y, settled, opts) {
    const n = x.length;
    const ts = theilSen(x, y);
    const slope = Number.isFinite(ts.slope) ? ts.slope : 0;
    const x0 = x[0];
    const xn = x[n - 1];
    // All x equal (a stalled load): no slope to speak of, the level is the median.
    const intercept = Number.isFinite(ts.intercept) ? ts.intercept : n > 0 ? median(y) : 0;
    const fit = (xi) => intercept + slope * xi;
    const start = n > 0 ? fit(x0) : 0;
    const end = n > 0 ? fit(xn) : 0;
    const growth = slope * (xn - x0);
    const mk = mannKendall(x, y);
    const pValue = n >= 3 ? mk.pIncreasingExact : 1;
    const significant = pValue < opts.alpha && slope > 0;
    const scatter = localNoise(x, y);
    const factor = growthSdFactor(n);
    // Under "no growth" every snapshot samples the same live level: use the mean level.
    const level = Math.max(0, y.reduce((a, b) => a + b, 0) / Math.max(1, n));
    const samplingSd = opts.sampleBytes ? Math.sqrt(opts.sampleBytes * level) : 0;
    const samplingFactor = opts.correlatedSamples ? Math.max(factor, Math.SQRT2) : factor;
    const noiseFloor = Math.max(opts.minGrowth, Z_SAMPLING * samplingSd * samplingFactor, Z_SCATTER * scatter * factor);
    const aboveFloor = growth > noiseFloor;
    const { lateSlope, stillGrowing } = lateGrowth(x, y, slope, scatter, opts.sampleBytes);
    const released = settled !== undefined && growth > 0 && settled - start < RETAINED_FRACTION * growth;
    let verdict = 'none';
    let reason;
    if (n < 3)
        reason = 'too few snapshots';
    else if (!significant)
        reason = `no significant increasing trend (p=${pValue.toPrecision(2)})`;
    else if (!aboveFloor)
        reason = `growth ${fmt(growth)} within the noise floor ${fmt(noiseFloor)}`;
    else if (released)
        reason = `released after the load stopped (settled ${fmt(settled)} vs start ${fmt(start)})`;
    else if (!stillGrowing) {
        verdict = 'bounded';
        reason = 'grew, then levelled off';
    }
    else {
        verdict = 'leak';
        reason = 'growing with requests, still growing at the end, kept after the load stopped';
    }
    return {
        slope,
        slopeLow: ts.low,
        slopeHigh: ts.high,
        start,
        end,
        growth,
        pValue,
        significant,
        scatter,
        noiseFloor,
        aboveFloor,
        lateSlope,
        stillGrowing,
        settled,
        released,
        verdict,
        reason,
    };
}
/**
 * Noise of a series that may bend: each inner point against the straight line
 * through its two neighbours (e = y_i - interpolation). For iid noise of sd s and
 * equal spacing, sd(e) = s * sqrt(1.5); a knee (a cache that fills, then stops)
 * spoils one e, which the median ignores, where residuals around one global line
 * would all inflate.
 */
function localNoise(x, y) {
    const e = [];
    for (let i = 1; i + 1 < x.length; i++) {
        const span = x[i + 1] - x[i - 1];
        if (!(span > 0))
            continue;
        const interp = (y[i - 1] * (x[i + 1] - x[i]) + y[i + 1] * (x[i] - x[i - 1])) / span;
        e.push(Math.abs(y[i] - interp));
    }
    if (e.length === 0)
        return 0;
    return (1.482602218505602 * median(e)) / Math.sqrt(1.5);
}
function fmt(v) {
    return Number.isInteger(v) ? String(v) : v.toPrecision(3);
}

// Heap leaks: per allocation site, live bytes (inuse_space) against requests
// served; then the whole live heap, for leaks spread thinner than any one site.
/** A site must grow at least this much, whatever the sampling rate (with memprofilerate=1 every byte is seen). */
const HEAP_MIN_GROWTH = 256 * 1024;
/** The total is flagged only when the flagged sites explain less than this share of its growth. */
const TOTAL_EXPLAINED_FRACTION = 0.5;
const TOTAL_KEY = '(live heap)';
function heapLeakSummary(where, rate, growth, requests) {
    return `${where} keeps ${formatBytesInText(rate)} per request alive: ${formatBytesInText(growth)} more over ${formatCountInText(requests)} requests, still there after the load stopped.`;
}
function heapMinGrowth(options) {
    return Math.max(options.memProfileRate, HEAP_MIN_GROWTH);
}
function analyseHeap(side, options) {
    const snaps = side.snapshots;
    const n = snaps.length;
    const table = heapBySite([...snaps.map((s) => s.heap), side.settled.heap], options.modulePath);
    const x = snaps.map((s) => s.requests);
    const trendOpts = {
        alpha: options.alpha,
        sampleBytes: options.memProfileRate,
        minGrowth: heapMinGrowth(options),
    };
    const trends = new Map();
    const findings = [];
    for (const [key, row] of table.series) {
        const y = row.slice(0, n).map((v) => v.inuseSpace);
        // A site that never moved by the smallest growth that counts cannot be flagged: skip the work.
        if (Math.max(...y) - Math.min(...y) < trendOpts.minGrowth &&
            row[n].inuseSpace - Math.min(...y) < trendOpts.minGrowth)
            continue;
        const trend = evaluateTrend(x, y, row[n].inuseSpace, trendOpts);
        trends.set(key, trend);
        if (trend.verdict === 'none')
            continue;
        findings.push(siteFinding(table.sites.get(key), row, x, trend, options));
    }
    // The whole live heap: a leak spread over many sites, or one below every site's floor.
    const totalY = table.totals.slice(0, n).map((v) => v.inuseSpace);
    const total = evaluateTrend(x, totalY, table.totals[n].inuseSpace, trendOpts);
    trends.set(TOTAL_KEY, total);
    const explained = findings
        .filter((f) => f.kind === 'heap-leak')
        .reduce((s, f) => s + Math.max(0, f.growth), 0);
    if (total.verdict === 'leak' && explained < TOTAL_EXPLAINED_FRACTION * total.growth) {
        findings.push(totalFinding(table, total, x, totalY, options));
    }
    return { table, trends, findings, total, requests: x };
}
/** One site's finding from its trend (a leak or bounded growth), with its summary, hint and details. */
function siteFinding(info, row, x, trend, options) {
    const n = x.length;
    const y = row.slice(0, n).map((v) => v.inuseSpace);
    const where = info.site.ownFrame?.function ?? info.site.function;
    const common = {
        status: 'unknown',
        site: info.site,
        unit: 'B/req',
        evidence: { requests: x, values: y, settled: row[n].inuseSpace, pValue: trend.pValue },
    };
    const details = trendDetails(trend, options);
    details.inuseObjectsStart = row[0].inuseObjects;
    details.inuseObjectsEnd = row[n - 1].inuseObjects;
    if (trend.verdict === 'leak') {
        const hint = heapLeakHint({
            where,
            functions: info.functions,
            inuseObjectsStart: row[0].inuseObjects,
            inuseObjectsEnd: row[n - 1].inuseObjects,
            inuseEnd: row[n - 1].inuseSpace,
            largestObjectStart: row[0].largestObject,
            largestObjectEnd: row[n - 1].largestObject,
        });
        return {
            kind: 'heap-leak',
            ...common,
            rate: trend.slope,
            growth: trend.growth,
            summary: heapLeakSummary(where, trend.slope, trend.growth, x[n - 1] - x[0]),
            hint: hint.hint,
            details: { ...details, hintRule: hint.rule },
        };
    }
    else {
        const plateau = Math.max(...y);
        const hint = boundedGrowthHint(where, plateau);
        return {
            kind: 'bounded-growth',
            ...common,
            rate: trend.slope,
            growth: y[n - 1] - y[0],
            summary: `${where} grew by ${formatBytesInText(y[n - 1] - y[0])}, then levelled off at about ${formatBytesInText(plateau)}.`,
            hint: hint.hint,
            details: { ...details, hintRule: hint.rule },
        };
    }
}
function trendDetails(t, options) {
    return {
        slopeLow: t.slopeLow,
        slopeHigh: t.slopeHigh,
        start: t.start,
        end: t.end,
        lateSlope: t.lateSlope,
        noiseFloor: t.noiseFloor,
        scatter: t.scatter,
        memProfileRate: options.memProfileRate,
        verdictReason: t.reason,
    };
}
/** Attributes the whole heap's growth to the sites whose live bytes grew the most. */
function totalFinding(table, total, x, y, options) {
    const n = x.length;
    const shares = [...table.series]
        .map(([key, row]) => ({ key, growth: row[n - 1].inuseSpace - row[0].inuseSpace }))
        .filter((s) => s.growth > 0)
        .sort((a, b) => b.growth - a.growth);
    const rise = y[n - 1] - y[0];
    const top = shares.slice(0, 5);
    const contributors = top.map((s) => {
        const site = table.sites.get(s.key).site;
        const name = site.ownFrame?.function ?? site.function;
        return `${name} ${rise > 0 ? Math.round((100 * s.growth) / rise) : 0}%`;
    });
    const lead = top[0] && rise > 0 && top[0].growth >= 0.5 * rise ? table.sites.get(top[0].key).site : undefined;
    const site = {
        key: TOTAL_KEY,
        function: '(whole live heap)',
        ownFrame: lead?.ownFrame,
        stack: lead?.stack ?? [],
    };
    const hint = totalHeapHint(contributors);
    return {
        kind: 'heap-leak',
        status: 'unknown',
        site,
        rate: total.slope,
        unit: 'B/req',
        growth: total.growth,
        summary: `The live heap grows by ${formatBytesInText(total.slope)} per request (${formatBytesInText(total.growth)} over ${formatCountInText(x[n - 1] - x[0])} requests) without one site standing out.`,
        hint: hint.hint,
        evidence: { requests: x, values: y, settled: table.totals[n].inuseSpace, pValue: total.pValue },
        details: { ...trendDetails(total, options), contributors: contributors.join(', '), hintRule: hint.rule },
    };
}

// What a cause costs: the memory it adds per request, wherever that memory sits.
// A goroutine leak's sampled heap is a few hundred bytes per goroutine, but each
// parked goroutine also holds a stack the heap profile never sees; a leaked
// client connection parks two. Findings are ranked by this, so the headline names
// the cause that takes the runner down first, not the one with the most heap samples.
/** Go's smallest goroutine stack: what a parked goroutine holds at the least. */
const MIN_GOROUTINE_STACK = 2048;
/** Below this many new goroutines the stack-per-goroutine estimate is noise. */
const MIN_GOROUTINES_FOR_ESTIMATE = 100;
/** Stack bytes per added goroutine over the run (StackInuse growth / goroutine growth), else Go's minimum. */
function stackBytesPerGoroutine(side) {
    const snaps = side.snapshots;
    const first = snaps[0];
    const last = snaps[snaps.length - 1];
    const count = (s) => s?.goroutines?.samples.reduce((sum, x) => sum + (x.values[0] ?? 0), 0);
    const g0 = count(first);
    const g1 = count(last);
    const s0 = first?.memstats?.stackInuse;
    const s1 = last?.memstats?.stackInuse;
    if (g0 === undefined || g1 === undefined || s0 === undefined || s1 === undefined)
        return MIN_GOROUTINE_STACK;
    if (g1 - g0 < MIN_GOROUTINES_FOR_ESTIMATE || s1 <= s0)
        return MIN_GOROUTINE_STACK;
    return Math.max(MIN_GOROUTINE_STACK, (s1 - s0) / (g1 - g0));
}
/** Goroutines parked per unit of a finding's rate. */
function goroutinesPerUnit(f) {
    if (f.kind === 'goroutine-leak')
        return 1;
    if (f.kind === 'connection-leak') {
        // A client connection's read and write loops, plus its server end when the service calls itself.
        const serverEnd = typeof f.details.serverEndGoroutines === 'number' ? f.details.serverEndGoroutines : 0;
        return 2 + (f.rate > 0 ? serverEnd / f.rate : 0);
    }
    return 0;
}
/** Bytes per request a finding's cause adds: heap it retains, stacks it parks, RSS it grows. */
function harmPerRequest(f, stackBytes) {
    switch (f.kind) {
        case 'heap-leak':
        case 'rss-growth':
            return Math.max(0, f.rate);
        case 'goroutine-leak':
        case 'connection-leak': {
            const heap = typeof f.details.heapRetainedPerRequest === 'number' ? f.details.heapRetainedPerRequest : 0;
            return Math.max(0, f.rate) * goroutinesPerUnit(f) * stackBytes + Math.max(0, heap);
        }
        default:
            return 0;
    }
}
/** Each finding with its harm in details (harmPerRequest, B/req), for ranking and the report. */
function withHarm(findings, side) {
    const stackBytes = stackBytesPerGoroutine(side);
    return findings.map((f) => {
        const harm = harmPerRequest(f, stackBytes);
        if (harm <= 0)
            return f;
        const details = { ...f.details, harmPerRequest: harm };
        if (f.kind === 'goroutine-leak' || f.kind === 'connection-leak') {
            details.stackBytesPerGoroutine = stackBytes;
            details.stackBytesPerRequest = Math.max(0, f.rate) * goroutinesPerUnit(f) * stackBytes;
        }
        return { ...f, details };
    });
}
/** Harm recorded by withHarm, 0 where there is none. */
function harmOf(f) {
    return typeof f.details.harmPerRequest === 'number' ? f.details.harmPerRequest : 0;
}
/**
 * The same cause seen twice more: a goroutine or connection leak grows RSS by its stacks
 * (the RSS finding's "stacks" rule says so) and the whole live heap by what its goroutines
 * keep. When such an owner explains at least half of that growth, the RSS and whole-heap
 * findings fold into it; what RSS grew by stays visible there, and counts in its harm.
 */
function foldIntoOwner(findings) {
    const owners = findings
        .filter((f) => f.kind === 'goroutine-leak' || f.kind === 'connection-leak')
        .sort((a, b) => harmOf(b) - harmOf(a));
    const owner = owners[0];
    if (!owner)
        return [...findings];
    // What the owner's sites retain: the significant ones it absorbed, or every site it explains.
    const heapOf = (f) => Math.max(0, ...[f.details.heapRetainedPerRequest, f.details.heapExplainedPerRequest].filter((v) => typeof v === 'number'));
    const folded = new Set();
    const details = { ...owner.details };
    for (const f of findings) {
        if (f.kind === 'rss-growth' && (f.details.hintRule === 'stacks' || harmOf(owner) >= 0.5 * f.rate)) {
            folded.add(f);
            details.rssPerRequest = f.rate;
            details.harmPerRequest = Math.max(harmOf(owner), f.rate);
        }
        else if (f.kind === 'heap-leak' && f.site.key === TOTAL_KEY && heapOf(owner) >= 0.5 * f.rate) {
            folded.add(f);
            details.liveHeapPerRequest = f.rate;
        }
    }
    if (folded.size === 0)
        return [...findings];
    return findings.filter((f) => !folded.has(f)).map((f) => (f === owner ? { ...owner, details } : f));
}

const CLIENT_CONN = /^net\/http\.(\(\*Transport\)\.(dialConn|dialConnFor)|\(\*persistConn\)\.)/;
/** Frames of an outbound request in flight: what a leaked client connection keeps alive. */
const CLIENT_CALL = /^net\/http\.(\(\*Client\)\.|\(\*Transport\)\.|\(\*persistConn\)\.|send$)/;
const SERVER_CONN = /^net\/http\.(\(\*Server\)\.(Serve|newConn)|\(\*conn\)\.serve)$/;
/** Goroutine descriptors, the runtime's list of all goroutines, and the parking lots of blocked ones. */
const GOROUTINE_RUNTIME = /^(runtime\.(malg|newproc1|allgadd|acquireSudog)|sync\.runtime_\w+)$/;
/**
 * A value the creator's caller built is the goroutine's only when it piles up at about the
 * goroutines' pace: each goroutine captures one, where a leak of the caller's own (a map it
 * fills on every request) grows by one per request however few goroutines are left behind.
 */
const CAPTURED_PER_GOROUTINE = 2;
function heapOwners(owners, heap) {
    const { table, requests } = heap;
    const callers = callersByCallee(table);
    const span = requests.length > 1 ? requests[requests.length - 1] - requests[0] : 0;
    const objectsPerRequest = (key) => {
        const row = table.series.get(key);
        const n = requests.length;
        if (!row || span <= 0)
            return NaN;
        return ((row[n - 1]?.inuseObjects ?? 0) - (row[0]?.inuseObjects ?? 0)) / span;
    };
    const capturedFromCaller = (owner, key, own) => {
        const creator = typeof owner.details.createdBy === 'string' ? owner.details.createdBy : undefined;
        if (!creator || !callers.get(creator)?.has(own))
            return false;
        const objects = objectsPerRequest(key);
        return objects > 0 && objects <= CAPTURED_PER_GOROUTINE * owner.rate;
    };
    // Asked once per heap leak and once per site for each owner's explained heap: decided once.
    const decided = new Map();
    const decide = (key) => {
        const info = table.sites.get(key);
        if (!info)
            return undefined;
        const fns = [...info.functions];
        const own = info.site.ownFrame?.function;
        return (owners.find((o) => o.kind === 'connection-leak' && explainsByClient(o, fns, own)) ??
            owners.find((o) => explains(o, info, fns, own) || (!!own && capturedFromCaller(o, key, own))));
    };
    const ownerOf = (key) => {
        if (!decided.has(key))
            decided.set(key, decide(key));
        return decided.get(key);
    };
    return {
        ownerOf,
        explainedHeap(owner, trendOptions) {
            // Summed before the fit, so the churn of per-request sites its rules also match
            // cancels out instead of adding up: the goroutine descriptors of a goroutine leak are
            // one site among many, and a run in which they stay under the site test's floor still
            // has them in the whole heap's growth.
            const x = [...requests];
            const sum = new Array(x.length + 1).fill(0);
            let seen = false;
            for (const [key, row] of table.series) {
                if (ownerOf(key) !== owner)
                    continue;
                seen = true;
                for (let i = 0; i <= x.length; i++)
                    sum[i] += row[i]?.inuseSpace ?? 0;
            }
            if (!seen || x.length < 2)
                return undefined;
            return Math.max(0, evaluateTrend(x, sum.slice(0, x.length), sum[x.length], trendOptions).slope);
        },
    };
}
/** For each function on the heap profile's stacks, the functions seen calling it. */
function callersByCallee(table) {
    const callers = new Map();
    for (const info of table.sites.values()) {
        for (const stack of info.stacks) {
            for (let i = 0; i + 1 < stack.length; i++) {
                const callee = stack[i].func.name;
                let set = callers.get(callee);
                if (!set)
                    callers.set(callee, (set = new Set()));
                set.add(stack[i + 1].func.name);
            }
        }
    }
    return callers;
}
/** Heap an outbound request in flight keeps alive, allocated on the path of the leaking caller. */
function explainsByClient(conn, heapFunctions, own) {
    if (!heapFunctions.some((f) => CLIENT_CALL.test(f)))
        return false;
    const caller = typeof conn.details.caller === 'string' ? conn.details.caller : undefined;
    return !own || !caller || caller === own;
}
/**
 * Allocated by net/http's server for a connection, below the service's own frame (the
 * code that started the server): the server's per-connection state. A handler's own
 * allocation has its frame below the server's instead, and stays the handler's.
 */
function madeByServerFor(info, own) {
    return info.stacks.some((stack) => {
        const server = stack.findIndex((f) => SERVER_CONN.test(f.func.name));
        const mine = stack.findIndex((f) => f.func.name === own);
        return server >= 0 && (mine < 0 || server < mine);
    });
}
function explains(owner, info, heapFunctions, own) {
    const stack = owner.site.stack.map((s) => s.split(' ')[0]);
    const serverSide = owner.kind === 'connection-leak' || stack.some((f) => SERVER_CONN.test(f));
    if (own) {
        // Objects allocated by the leaking goroutine's own code, or by the code that starts it.
        if (owner.kind === 'goroutine-leak' && (stack.includes(own) || own === owner.details.createdBy))
            return true;
        return serverSide && madeByServerFor(info, own);
    }
    const clientConn = owner.kind === 'connection-leak' || stack.some((f) => CLIENT_CONN.test(f));
    if (clientConn && heapFunctions.some((f) => CLIENT_CONN.test(f)))
        return true;
    // A service that calls itself holds the server end of each leaked connection too: its
    // request headers and buffers grow with the leak even in a run where the server-end
    // goroutines stayed under the goroutine test's floor.
    if (serverSide && heapFunctions.some((f) => SERVER_CONN.test(f)))
        return true;
    return (heapFunctions.some((f) => GOROUTINE_RUNTIME.test(f)) ||
        heapFunctions.every((f) => f.startsWith('runtime.')));
}

/** A server-end goroutine leak is the other end of a connection leak when their rates agree this closely. */
const SAME_RATE_RATIO = 2;
function attributeHeapFindings(findings, heap, trendOptions) {
    const sites = heap.table.sites;
    const folded = new Map();
    // The goroutines that pile up fastest explain runtime-internal growth first.
    const owners = findings
        .filter((f) => f.kind === 'connection-leak' || f.kind === 'goroutine-leak')
        .sort((a, b) => b.rate * goroutinesPerUnit(b) - a.rate * goroutinesPerUnit(a));
    const ownership = heapOwners(owners, heap);
    const heapLeaks = findings.filter((f) => f.kind === 'heap-leak' && sites.has(f.site.key));
    const absorbed = new Map();
    for (const h of heapLeaks) {
        const owner = ownership.ownerOf(h.site.key);
        if (!owner)
            continue;
        absorbed.set(owner, [...(absorbed.get(owner) ?? []), h]);
        folded.set(h.site.key, owner.site.key);
    }
    // The server end of leaked connections, when the service calls itself: the same cause.
    const serverEnds = new Map();
    for (const conn of owners.filter((o) => o.kind === 'connection-leak')) {
        for (const g of findings) {
            if (g.kind !== 'goroutine-leak' || folded.has(g.site.key) || !isServerEnd(g))
                continue;
            if (g.rate > conn.rate * SAME_RATE_RATIO || g.rate * SAME_RATE_RATIO < conn.rate)
                continue;
            serverEnds.set(conn, [...(serverEnds.get(conn) ?? []), g]);
            folded.set(g.site.key, conn.site.key);
        }
    }
    // Remaining heap leaks of one call path are one cause: the same function a reviewer must
    // change, or a caller whose allocation the callee keeps (a map key built by the handler and
    // stored by the cache it calls). Largest first, so each group's lead is its largest site.
    const groups = callPathGroups(heapLeaks, folded);
    const merged = new Map();
    for (const group of groups) {
        if (group.length < 2)
            continue;
        const [lead, ...rest] = group;
        merged.set(lead, mergeHeap(lead, rest, trendOptions));
        for (const r of rest)
            folded.set(r.site.key, lead.site.key);
    }
    const out = [];
    for (const f of findings) {
        if (folded.has(f.site.key) && (f.kind === 'heap-leak' || f.kind === 'goroutine-leak'))
            continue;
        const m = merged.get(f);
        if (m) {
            out.push(m);
            continue;
        }
        const parts = absorbed.get(f);
        const ends = serverEnds.get(f);
        const moving = owners.includes(f) ? ownership.explainedHeap(f, trendOptions) : undefined;
        if (!parts && !ends && moving === undefined) {
            out.push(f);
            continue;
        }
        out.push(withAbsorbed(f, parts, ends, moving));
    }
    return { findings: out, folded };
}
/** The heap leaks not yet folded, grouped by call path, largest first (so each group's lead is its largest site). */
function callPathGroups(heap, folded) {
    const groups = [];
    const ownFunctions = (f) => f.site.stack.map((s) => s.split(' ')[0]);
    for (const h of [...heap].sort((a, b) => b.growth - a.growth)) {
        if (folded.has(h.site.key) || !h.site.ownFrame)
            continue;
        const own = h.site.ownFrame.function;
        const group = groups.find((g) => {
            const lead = g[0].site.ownFrame.function;
            return lead === own || ownFunctions(g[0]).includes(own) || ownFunctions(h).includes(lead);
        });
        if (group)
            group.push(h);
        else
            groups.push([h]);
    }
    return groups;
}
/** An owner's finding with what it absorbed: the heap sites it explains and the server ends of its connections. */
function withAbsorbed(f, parts, ends, movingHeap) {
    const details = { ...f.details };
    if (movingHeap !== undefined)
        details.heapExplainedPerRequest = movingHeap;
    if (parts) {
        details.heapRetainedPerRequest = parts.reduce((s, p) => s + p.rate, 0);
        details.heapSites = parts.map((p) => `${p.site.function} ${formatBytesInText(p.rate)}/req`).join(', ');
    }
    if (ends) {
        details.serverEndGoroutines = ends.reduce((s, g) => s + g.rate, 0);
        details.serverEnd = ends
            .map((g) => `${g.site.function} ${formatNumber(g.rate)} goroutines/req`)
            .join(', ');
    }
    return { ...f, details };
}
function isServerEnd(g) {
    return g.details.hintRule === 'server-conn' || g.site.stack.some((s) => SERVER_CONN.test(s.split(' ')[0]));
}
/**
 * One heap finding from several sites of one function. Its rate, interval and fitted
 * start/end come from one fit of the summed series, so they belong together.
 */
function mergeHeap(lead, rest, trendOptions) {
    const all = [lead, ...rest];
    const sum = (pick) => all.reduce((s, f) => s + pick(f), 0);
    const values = lead.evidence.values.map((_, i) => all.reduce((s, f) => s + (f.evidence.values[i] ?? 0), 0));
    const settled = lead.evidence.settled === undefined ? undefined : sum((f) => f.evidence.settled ?? 0);
    const req = lead.evidence.requests;
    const fit = evaluateTrend(req, values, settled, trendOptions);
    const rate = fit.slope;
    const growth = fit.growth;
    const where = lead.site.ownFrame.function;
    const span = req.length ? req[req.length - 1] - req[0] : 0;
    return {
        ...lead,
        rate,
        growth,
        summary: heapLeakSummary(where, rate, growth, span),
        evidence: { ...lead.evidence, values, settled, pValue: fit.pValue },
        details: {
            ...lead.details,
            slopeLow: fit.slopeLow,
            slopeHigh: fit.slopeHigh,
            start: fit.start,
            end: fit.end,
            lateSlope: fit.lateSlope,
            noiseFloor: fit.noiseFloor,
            scatter: fit.scatter,
            alsoRetaining: rest.map((f) => `${f.site.function} ${formatBytesInText(f.rate)}/req`).join(', '),
        },
    };
}

/** The budget's finding for one side; undefined when no site's live heap grew. */
function budgetFinding(table, requests, why) {
    const n = requests.length;
    const span = n > 1 ? requests[n - 1] - requests[0] : 0;
    let top;
    for (const [key, values] of table.series) {
        const growth = (values[n - 1]?.inuseSpace ?? 0) - (values[0]?.inuseSpace ?? 0);
        if (growth > 0 && (!top || growth > top.growth))
            top = { key, growth };
    }
    const info = top && table.sites.get(top.key);
    if (!top || !info || !(span > 0))
        return undefined;
    const rate = top.growth / span;
    const where = info.site.ownFrame ?? info.site;
    const line = 'line' in where ? ` (${where.file}:${where.line})` : '';
    return {
        kind: 'heap-leak',
        status: 'new',
        site: info.site,
        rate,
        unit: 'B/req',
        growth: top.growth,
        summary: `The service's memory reached its budget within ${requests[n - 1].toLocaleString('en-US')} requests (${why}), so it was stopped before the runner ran out; the live heap grew most in ${where.function}${line}, by ${formatBytesInText(rate)} a request.`,
        hint: `Something keeps what every request allocates at ${where.function}: a global map or slice, a cache without eviction. Bound it (LRU, TTL, maximum size) or drop entries when done; the last heap profile in the artifact shows the whole picture.`,
        evidence: {
            requests: [...requests],
            values: (table.series.get(top.key) ?? []).slice(0, n).map((v) => v.inuseSpace),
        },
        details: { hintRule: 'memory-budget', stoppedBecause: why },
    };
}

/** The runtime function a goroutine is parked in: the last runtime frame before the first non-runtime one. */
function waitFunction(stack) {
    let last;
    for (const f of stack) {
        if (!isRuntimeFunction(f.func.name))
            break;
        last = f.func.name;
    }
    return last;
}
/** Where the goroutine waits: the first frame outside the runtime (internal/poll's runtime hooks count as runtime). */
function blockingFrame(stack) {
    return (stack.find((f) => !isRuntimeFunction(f.func.name) && !f.func.name.startsWith('internal/')) ?? stack[0]);
}
const STATE_FROM_WAIT = [
    [/^runtime\.chansend/, 'chan send'],
    [/^runtime\.chanrecv/, 'chan receive'],
    [/^runtime\.selectgo$/, 'select'],
    [/^runtime\.block$/, 'select (no cases)'],
    [/^runtime\.netpollblock$/, 'IO wait'],
    [/^runtime\.semacquire/, 'semacquire'],
    [/^runtime\.notifyListWait$/, 'sync.Cond.Wait'],
];
/** The wait reason a parked goroutine's wait function implies, when the dump has none. */
function stateFromWait(wait) {
    return STATE_FROM_WAIT.find(([re]) => wait && re.test(wait))?.[1];
}
/**
 * Goroutines of the text dump (debug=2) standing on this stack. The dump hides
 * runtime frames, so stacks are compared without them: exactly first, else by
 * the blocking frame and the own frame alone (lines or inlining may differ).
 * The state and creator reported are the most common among the matches.
 */
function matchDump(stack, dump, modulePath) {
    if (!dump?.length)
        return { matched: 0 };
    const names = stack.map((f) => f.func.name).filter((n) => !isRuntimeFunction(n));
    const sig = names.join(' < ');
    const recNames = (r) => r.frames.map((f) => f.func).filter((n) => !isRuntimeFunction(n));
    let matches = dump.filter((r) => recNames(r).join(' < ') === sig);
    if (!matches.length && names.length) {
        const own = names.find((n) => isOwnFunction(n, modulePath));
        matches = dump.filter((r) => {
            const rn = recNames(r);
            return rn[0] === names[0] && (!own || rn.includes(own));
        });
    }
    if (!matches.length)
        return { matched: 0 };
    const state = mostCommon(matches.map((r) => r.state));
    const creator = mostCommon(matches.map((r) => r.createdBy?.func).filter((v) => !!v));
    const at = matches.find((r) => r.createdBy?.func === creator)?.createdBy;
    return {
        state,
        createdBy: creator,
        createdAt: at ? `${at.file}:${at.line}` : undefined,
        matched: matches.length,
    };
}
function mostCommon(values) {
    const counts = new Map();
    for (const v of values)
        counts.set(v, (counts.get(v) ?? 0) + 1);
    let best;
    let bestN = 0;
    for (const [v, c] of counts)
        if (c > bestN)
            [best, bestN] = [v, c];
    return best;
}

const CONNECTION_KEY = 'net/http.(*persistConn).readLoop';
const READ_LOOP = 'net/http.(*persistConn).readLoop';
const WRITE_LOOP = 'net/http.(*persistConn).writeLoop';
/** Entry points of net/http's client: an own frame calling one of these made the request. */
const CLIENT_ENTRY = /^net\/http\.(\(\*Client\)\.(Do|Get|Post|PostForm|Head|do|send)|Get|Post|PostForm|Head|send|\(\*Transport\)\.(RoundTrip|roundTrip))$/;
/**
 * Who made the outbound requests whose connections stay open. The persistConn
 * goroutines themselves were created by net/http.(*Transport).dialConn, which the
 * transport runs in its own goroutine, so their stacks never reach the service's
 * code. Instead, find stacks that pass through net/http's client entry points
 * ((*Client).Do/Get/Post/..., (*Transport).RoundTrip) and take the first own frame
 * above that call: weighted by the bytes allocated along those stacks in the last
 * heap profile (alloc_space is cumulative, so every request leaves a trace), else
 * by the goroutines found inside those calls across the snapshots.
 */
function findClientCaller(side, modulePath) {
    const last = side.snapshots[side.snapshots.length - 1];
    const heapScores = new Map();
    if (last) {
        const ia = valueIndex(last.heap, 'alloc_space');
        for (const s of last.heap.samples) {
            const caller = callerOfClient(s.stack, modulePath);
            if (!caller)
                continue;
            const cur = heapScores.get(caller.func.name) ?? { frame: caller, score: 0 };
            cur.score += ia >= 0 ? (s.values[ia] ?? 0) : 1;
            heapScores.set(caller.func.name, cur);
        }
    }
    const gScores = new Map();
    for (const snap of side.snapshots) {
        if (!snap.goroutines)
            continue;
        const vi = Math.max(0, valueIndex(snap.goroutines, 'goroutine'));
        for (const s of snap.goroutines.samples) {
            const caller = callerOfClient(s.stack, modulePath);
            if (!caller)
                continue;
            const cur = gScores.get(caller.func.name) ?? { frame: caller, score: 0 };
            cur.score += s.values[vi] ?? 0;
            gScores.set(caller.func.name, cur);
        }
    }
    const rank = (m) => [...m.values()].sort((a, b) => b.score - a.score);
    const heap = rank(heapScores);
    const gor = rank(gScores);
    if (heap.length) {
        return {
            caller: heap[0].frame,
            evidence: 'heap samples allocated through net/http client calls',
            others: heap.slice(1, 4).map((h) => h.frame.func.name),
        };
    }
    if (gor.length) {
        return {
            caller: gor[0].frame,
            evidence: 'goroutines inside net/http client calls',
            others: gor.slice(1, 4).map((h) => h.frame.func.name),
        };
    }
    return { others: [] };
}
/** The own frame that called into net/http's client on this stack (leaf first), if any. */
function callerOfClient(stack, modulePath) {
    let seenClient = false;
    for (const f of stack) {
        if (CLIENT_ENTRY.test(f.func.name))
            seenClient = true;
        else if (seenClient && isOwnFunction(f.func.name, modulePath))
            return f;
    }
    return undefined;
}
/** The one connection-leak finding for the persistConn loops that grow with requests. */
function connectionFinding(side, options, x, conns, writers, trend, fdTrend, fds) {
    const n = x.length;
    const caller = findClientCaller(side, options.modulePath);
    const callerName = caller.caller?.func.name;
    const hint = connectionLeakHint(callerName);
    const readLoopStack = side.snapshots[n - 1].goroutines.samples.find((s) => s.stack.some((f) => f.func.name === READ_LOOP))?.stack;
    const site = {
        key: CONNECTION_KEY,
        function: callerName ?? READ_LOOP,
        ownFrame: caller.caller ? sourceFrame(caller.caller) : undefined,
        stack: makeSite(CONNECTION_KEY, READ_LOOP, readLoopStack ?? [], options.modulePath).stack,
    };
    const dump = readLoopStack
        ? matchDump(readLoopStack, side.goroutineDump, options.modulePath)
        : { };
    const details = {
        readLoopStart: conns[0],
        readLoopEnd: conns[n - 1],
        writeLoopEnd: writers[n - 1],
        per1kRequests: trend.slope * 1000,
        pValue: trend.pValue,
        hintRule: hint.rule,
    };
    if (trend.settled !== undefined)
        details.readLoopSettled = trend.settled;
    if (fds) {
        details.openFdsStart = fds[0];
        details.openFdsEnd = fds[n - 1];
        if (typeof side.settled.openFds === 'number')
            details.openFdsSettled = side.settled.openFds;
        if (fdTrend)
            details.fdsPer1kRequests = fdTrend.slope * 1000;
    }
    else {
        details.openFds = 'unavailable on this platform';
    }
    if (callerName)
        details.caller = callerName;
    if (caller.evidence)
        details.callerEvidence = caller.evidence;
    if (caller.others.length)
        details.otherCallers = caller.others.join(', ');
    if (dump.state)
        details.waitReason = dump.state;
    if (dump.createdBy)
        details.createdBy = dump.createdBy;
    const who = callerName ? `Requests made by ${callerName}` : 'Outbound HTTP requests';
    const fdText = fds ? `, open descriptors ${fds[0]} -> ${fds[n - 1]}` : '';
    return {
        kind: 'connection-leak',
        status: 'unknown',
        site,
        rate: trend.slope,
        unit: 'connections/req',
        growth: trend.growth,
        summary: `${who} leave their connections open: ${conns[0]} -> ${conns[n - 1]} HTTP client connections over ${formatCountInText(x[n - 1] - x[0])} requests${fdText}.`,
        hint: hint.hint,
        evidence: { requests: x, values: conns.slice(0, n), settled: trend.settled, pValue: trend.pValue },
        details,
    };
}

/** A goroutine stack must gain at least this many goroutines over the run. */
const GOROUTINE_MIN_GROWTH = 8;
/** Open descriptors must grow at least this much (and by a quarter of the connections) to confirm a connection leak. */
const FD_MIN_GROWTH = 4;
const goroutineStackKey = (stack) => stack.length ? stack.map((f) => f.func.name).join(' < ') : '(no stack)';
/** Goroutine counts by stack over the given profiles (absent profile: undefined counts). */
function byStack(profiles) {
    const out = new Map();
    profiles.forEach((p, i) => {
        if (!p)
            return;
        const vi = Math.max(0, valueIndex(p, 'goroutine'));
        for (const s of p.samples) {
            const key = goroutineStackKey(s.stack);
            let row = out.get(key);
            if (!row) {
                row = { stack: s.stack, counts: profiles.map(() => 0) };
                out.set(key, row);
            }
            row.counts[i] += s.values[vi] ?? 0;
        }
    });
    return out;
}
function analyseGoroutines(side, options) {
    const snaps = side.snapshots;
    const n = snaps.length;
    const trends = new Map();
    const findings = [];
    if (!snaps.every((s) => s.goroutines)) {
        return { findings, trends, unconfirmedLeakProfileStacks: [], available: false };
    }
    const x = snaps.map((s) => s.requests);
    const series = byStack([...snaps.map((s) => s.goroutines), side.settled.goroutines]);
    // Counts of in-flight work fluctuate like Poisson counts (variance ~ level), and a
    // handful of snapshots cannot estimate the scatter reliably: use that as a prior.
    const opts = { alpha: options.alpha, minGrowth: GOROUTINE_MIN_GROWTH, sampleBytes: 1 };
    const leakKeys = new Set(side.goroutineLeak?.samples.map((s) => goroutineStackKey(s.stack)) ?? []);
    // Connections first: all persistConn read-loop stacks together count open client connections.
    const persistKeys = [...series.keys()].filter((k) => k.includes(READ_LOOP) || k.includes(WRITE_LOOP));
    const conns = new Array(n + 1).fill(0);
    const writers = new Array(n + 1).fill(0);
    for (const k of persistKeys) {
        const into = k.includes(READ_LOOP) ? conns : writers;
        series.get(k).counts.forEach((c, i) => (into[i] += c));
    }
    let connectionFlagged = false;
    if (persistKeys.length) {
        const connTrend = evaluateTrend(x, conns.slice(0, n), side.settled.goroutines ? conns[n] : undefined, opts);
        trends.set(CONNECTION_KEY, connTrend);
        const fds = snaps.map((s) => s.openFds);
        const fdsKnown = fds.every((f) => typeof f === 'number');
        const fdTrend = fdsKnown
            ? evaluateTrend(x, fds, side.settled.openFds ?? undefined, {
                alpha: options.alpha,
                minGrowth: FD_MIN_GROWTH,
            })
            : undefined;
        const fdsGrow = fdTrend
            ? fdTrend.significant && fdTrend.growth >= Math.max(FD_MIN_GROWTH, 0.25 * connTrend.growth)
            : true;
        if (connTrend.verdict === 'leak' && fdsGrow) {
            connectionFlagged = true;
            findings.push(connectionFinding(side, options, x, conns, writers, connTrend, fdTrend, fdsKnown ? fds : undefined));
        }
    }
    const confirmedStacks = new Set();
    for (const [key, row] of series) {
        if (connectionFlagged && persistKeys.includes(key))
            continue;
        const y = row.counts.slice(0, n);
        if (Math.max(...y) - Math.min(...y) < GOROUTINE_MIN_GROWTH)
            continue;
        // Without a settled goroutine profile the release check cannot run (zeros would pass it).
        const trend = evaluateTrend(x, y, side.settled.goroutines ? row.counts[n] : undefined, opts);
        trends.set(key, trend);
        if (trend.verdict !== 'leak')
            continue;
        if (leakKeys.has(key))
            confirmedStacks.add(key);
        findings.push(goroutineFinding(side, options, key, row, x, trend, leakKeys.has(key)));
    }
    const unconfirmed = [...leakKeys].filter((k) => !confirmedStacks.has(k) && !(connectionFlagged && k.includes('persistConn')));
    return { findings, trends, unconfirmedLeakProfileStacks: unconfirmed, available: true };
}
function goroutineFinding(side, options, key, row, x, trend, confirmed) {
    const n = x.length;
    const stack = row.stack;
    const blocking = blockingFrame(stack);
    const wait = waitFunction(stack);
    const dump = matchDump(stack, side.goroutineDump, options.modulePath);
    const stateFromStack = stateFromWait(wait);
    const waitReason = dump.state ?? stateFromStack;
    const site = makeSite(key, blocking?.func.name ?? '(no stack)', stack, options.modulePath);
    // Wholly inside a library (a client's worker pool, a timer): blame the service's code that started it.
    const at = dump.createdAt ? /^(.*):(\d+)$/.exec(dump.createdAt) : null;
    if (!site.ownFrame && dump.createdBy && at && isOwnFunction(dump.createdBy, options.modulePath)) {
        site.ownFrame = { function: dump.createdBy, file: at[1], line: Number(at[2]) };
    }
    const creator = dump.createdBy ?? site.ownFrame?.function;
    const hint = goroutineLeakHint({
        creator: dump.createdBy ?? site.ownFrame?.function,
        blockingFunction: blocking?.func.name ?? '(unknown)',
        waitFunction: wait,
        waitReason,
        functions: stack.map((f) => f.func.name),
    });
    const details = {
        countStart: row.counts[0],
        countEnd: row.counts[n - 1],
        per1kRequests: trend.slope * 1000,
        blockingFrame: blocking
            ? `${blocking.func.name} ${blocking.func.filename}:${blocking.line}`
            : '(unknown)',
        pValue: trend.pValue,
        slopeLow: trend.slopeLow,
        slopeHigh: trend.slopeHigh,
        hintRule: hint.rule,
    };
    if (trend.settled !== undefined)
        details.countSettled = trend.settled;
    if (wait)
        details.waitFunction = wait;
    if (waitReason) {
        details.waitReason = waitReason;
        details.waitReasonSource = dump.state ? 'goroutine dump' : 'stack';
    }
    if (dump.createdBy)
        details.createdBy = dump.createdBy;
    if (dump.createdAt)
        details.createdAt = dump.createdAt;
    if (dump.matched)
        details.dumpMatches = dump.matched;
    if (confirmed)
        details.confirmedBy = 'goroutineleak profile';
    const what = waitReason ? `blocked in ${waitReason}` : 'parked';
    const by = creator ? `, started by ${creator}` : '';
    return {
        kind: 'goroutine-leak',
        status: 'unknown',
        site,
        rate: trend.slope,
        unit: 'goroutines/req',
        growth: trend.growth,
        summary: `Goroutines ${what} in ${blocking?.func.name ?? '(unknown)'}${by} pile up: ${row.counts[0]} -> ${row.counts[n - 1]} over ${formatCountInText(x[n - 1] - x[0])} requests (${formatNumber(trend.slope * 1000)} per 1k requests)${confirmed ? ', confirmed by the goroutineleak profile' : ''}.`,
        hint: hint.hint,
        evidence: { requests: x, values: row.counts.slice(0, n), settled: trend.settled, pValue: trend.pValue },
        details,
    };
}

// What the reader should know that is not a finding: a run that cannot reach
// significance, coarse sampling, missing profiles. Failed requests, a load that
// got no answer and a stall are the capture's to word (SideMeasurement.problems,
// which the pipeline adds to the notes): said here too, they were said twice.
/** Fewer requests than this in one window make its per-request numbers coarse. */
const MIN_REQUESTS_PER_WINDOW = 200;
/** Fewer heap samples than this per window make allocation rates coarse. */
const MIN_SAMPLES_PER_WINDOW = 20;
function factorial(n) {
    let f = 1;
    for (let i = 2; i <= n; i++)
        f *= i;
    return f;
}
/** Smallest growth from zero a heap site needs to clear the sampling floor over n snapshots. */
function smallestDetectableHeapGrowth(points, options) {
    const k = Z_SAMPLING * growthSdFactor(points);
    // growth > k * sqrt(rate * growth / 2)  <=>  growth > k^2 * rate / 2
    return Math.max(heapMinGrowth(options), (k * k * options.memProfileRate) / 2);
}
function sideNotes(side, options) {
    const notes = [];
    const name = side.side;
    const snaps = side.snapshots;
    const n = snaps.length;
    const minTrendP = 1 / factorial(n);
    if (n < 3 || minTrendP >= options.alpha) {
        notes.push(`${name}: ${n} snapshots cannot show a significant trend (the smallest possible p is ${minTrendP.toPrecision(2)} >= ${options.alpha}); use more snapshots.`);
    }
    const perWindow = snaps.slice(1).map((s, i) => s.requests - snaps[i].requests);
    const fewest = perWindow.length ? Math.min(...perWindow) : 0;
    if (perWindow.length && fewest > 0 && fewest < MIN_REQUESTS_PER_WINDOW) {
        notes.push(`${name}: only ${fewest} requests in the thinnest window between snapshots; per-request rates are coarse (longer duration or fewer snapshots).`);
    }
    if (!snaps.every((s) => s.goroutines)) {
        notes.push(`${name}: goroutine profiles missing; goroutine and connection leaks were not checked.`);
    }
    return notes;
}
function runNotes(head, base, options, regressions) {
    const notes = [];
    if (!base)
        notes.push('No base measured: findings are for head alone, none can be new, and allocation is not compared.');
    const n = head.snapshots.length;
    const span = n > 1 ? head.snapshots[n - 1].requests - head.snapshots[0].requests : 0;
    if (options.memProfileRate >= 64 * 1024 && span > 0) {
        const g = smallestDetectableHeapGrowth(n, options);
        notes.push(`Heap profiles sample one allocation per ${formatBytesInText(options.memProfileRate)}: a heap leak below about ${formatBytesInText(g / span)} per request (${formatBytesInText(g)} over this run) is within sampling noise. Set memprofilerate (e.g. ${Math.max(4096, options.memProfileRate / 8)}) or run longer to see smaller leaks.`);
    }
    const t = regressions.total;
    const hw = t.head.windows.length;
    const bw = t.base?.windows.length ?? 0;
    if (base && hw > 0 && bw > 0) {
        const minP = mannWhitneyMinP(hw, bw);
        if (minP >= options.alpha) {
            notes.push(`With ${hw} head and ${bw} base windows the allocation comparison cannot reach significance (smallest possible p = ${minP.toPrecision(2)}); a regression cannot be reported. Use more snapshots.`);
        }
        else if (regressions.compared > 0 && minP * regressions.compared >= options.alpha) {
            notes.push(`Per-site changes are adjusted for ${regressions.compared} sites (Holm); with ${hw} windows a side no single site can reach significance, only the total can.`);
        }
        if (t.change >= options.regressionThreshold && !t.significant && t.pValue !== undefined) {
            notes.push(`Allocated bytes per request changed by ${formatPercent(t.change)}, past the threshold, but not significantly (p = ${t.pValue.toPrecision(2)}): not reported as a regression.`);
        }
        const samplesPerWindow = (t.head.bytesPerRequest * (span / Math.max(1, hw))) / options.memProfileRate;
        if (samplesPerWindow > 0 && samplesPerWindow < MIN_SAMPLES_PER_WINDOW) {
            notes.push(`Each window holds only about ${Math.round(samplesPerWindow)} allocation samples; allocation rates are coarse. A longer duration or a smaller memprofilerate sharpens them.`);
        }
        const rh = head.load.requestsPerSecond;
        const rb = base.load.requestsPerSecond;
        if (rh > 0 && rb > 0 && (rh / rb > 2 || rb / rh > 2)) {
            notes.push(`Throughput differs a lot between base (${formatCountInText(rb)} req/s) and head (${formatCountInText(rh)} req/s); per-request numbers still compare, timings do not.`);
        }
    }
    if (regressions.truncated)
        notes.push(`Only the first rows of growing and improved sites are listed.`);
    return notes;
}

/** Sites allocating less than both of these (per request, on both sides) are left out as noise. */
const SITE_MIN_BYTES_PER_REQUEST = 64;
const SITE_MIN_SHARE = 0.01;
/** Rows kept in growing / improved / topAllocators. */
const MAX_ROWS = 50;
const TOP_ALLOCATORS = 20;
const TOTAL_SITE = { key: '(total)', function: '(all allocations)', stack: [] };
/** Per-window allocation per request; windows where no request completed are skipped. */
function allocWindows(requests, bytes, objects) {
    const out = { bytes: [], objects: [] };
    for (let i = 1; i < requests.length; i++) {
        const dr = requests[i] - requests[i - 1];
        if (!(dr > 0))
            continue;
        out.bytes.push((bytes[i] - bytes[i - 1]) / dr);
        out.objects.push((objects[i] - objects[i - 1]) / dr);
    }
    return out;
}
function allocRate$1(w) {
    return {
        bytesPerRequest: w.bytes.length ? median(w.bytes) : 0,
        objectsPerRequest: w.objects.length ? median(w.objects) : 0,
        windows: w.bytes,
    };
}
/** Windows of every site and of the whole process, from S0..Sn (the settled profile is not a window). */
function siteWindows(table, requests) {
    const n = requests.length;
    const total = allocWindows(requests, table.totals.slice(0, n).map((v) => v.allocSpace), table.totals.slice(0, n).map((v) => v.allocObjects));
    const sites = new Map();
    for (const [key, row] of table.series) {
        sites.set(key, allocWindows(requests, row.slice(0, n).map((v) => v.allocSpace), row.slice(0, n).map((v) => v.allocObjects)));
    }
    return { total, sites };
}
/**
 * head vs base for one site: change = median(head)/median(base) - 1; the interval
 * is Hodges-Lehmann on log(window) (a shift of logs is a ratio), or on the raw
 * windows relative to base's median when a window is zero; p from a two-sided
 * Mann-Whitney U.
 */
function compareRates(site, head, base, alpha) {
    if (!base)
        return { site, head, change: 0, significant: false };
    const hb = head.bytesPerRequest;
    const bb = base.bytesPerRequest;
    const change = bb > 0 ? hb / bb - 1 : hb > 0 ? Infinity : 0;
    const out = { site, base, head, change, significant: false };
    if (head.windows.length && base.windows.length) {
        const p = mannWhitney(head.windows, base.windows, 'two-sided').p;
        out.pValue = p;
        out.significant = p < alpha;
        if (head.windows.every((v) => v > 0) && base.windows.every((v) => v > 0)) {
            const hl = hodgesLehmann(base.windows.map(Math.log), head.windows.map(Math.log));
            if (hl.ci)
                out.ci = [Math.exp(hl.ci[0]) - 1, Math.exp(hl.ci[1]) - 1];
        }
        else if (bb > 0) {
            const hl = hodgesLehmann(base.windows, head.windows);
            if (hl.ci)
                out.ci = [hl.ci[0] / bb, hl.ci[1] / bb];
        }
    }
    return out;
}
const zeroRate = (windows) => ({
    bytesPerRequest: 0,
    objectsPerRequest: 0,
    windows: new Array(windows).fill(0),
});
function analyseRegressions(head, base, options) {
    const hw = siteWindows(head.table, head.requests);
    const bw = base ? siteWindows(base.table, base.requests) : undefined;
    const total = compareRates(TOTAL_SITE, allocRate$1(hw.total), bw ? allocRate$1(bw.total) : undefined, options.alpha);
    const floor = Math.min(SITE_MIN_BYTES_PER_REQUEST, SITE_MIN_SHARE * Math.max(total.head.bytesPerRequest, total.base?.bytesPerRequest ?? 0));
    const siteOf = (key) => head.table.sites.get(key)?.site ?? base?.table.sites.get(key)?.site;
    const headRates = new Map([...hw.sites].map(([k, w]) => [k, allocRate$1(w)]));
    const baseRates = new Map([...(bw?.sites ?? [])].map(([k, w]) => [k, allocRate$1(w)]));
    const topAllocators = [...headRates]
        .sort((a, b) => b[1].bytesPerRequest - a[1].bytesPerRequest)
        .slice(0, TOP_ALLOCATORS)
        .filter(([, r]) => r.bytesPerRequest > 0)
        .map(([k, r]) => compareRates(siteOf(k), r, bw ? (baseRates.get(k) ?? zeroRate(bw.total.bytes.length)) : undefined, options.alpha));
    if (!bw)
        return { total, growing: [], improved: [], topAllocators, compared: 0, truncated: false };
    const keys = new Set([...headRates.keys(), ...baseRates.keys()]);
    const rows = [];
    for (const key of keys) {
        const h = headRates.get(key) ?? zeroRate(hw.total.bytes.length);
        const b = baseRates.get(key) ?? zeroRate(bw.total.bytes.length);
        if (Math.max(h.bytesPerRequest, b.bytesPerRequest) < floor)
            continue;
        rows.push(compareRates(siteOf(key), h, b, options.alpha));
    }
    const adjusted = holm(rows.map((r) => r.pValue ?? 1));
    rows.forEach((r, i) => {
        r.adjustedPValue = adjusted[i];
        r.significant = adjusted[i] < options.alpha;
    });
    const delta = (r) => r.head.bytesPerRequest - (r.base?.bytesPerRequest ?? 0);
    const order = (sign) => (a, b) => Number(b.significant) - Number(a.significant) || sign * (delta(b) - delta(a));
    const growing = rows.filter((r) => delta(r) > 0).sort(order(1));
    const improved = rows.filter((r) => delta(r) < 0).sort(order(-1));
    return {
        total,
        growing: growing.slice(0, MAX_ROWS),
        improved: improved.slice(0, MAX_ROWS),
        topAllocators,
        compared: rows.length,
        truncated: growing.length > MAX_ROWS || improved.length > MAX_ROWS,
    };
}

/** Go-side mmap and the way into C. The runtime's own mmap (heap growth) is not here: the heap profile sees that. */
const MAPS_MEMORY = /^(syscall\.(mmap|Mmap)|golang\.org\/x\/sys\/unix\.(mmap|Mmap|MmapPtr|\(\*mmapper\)\.Mmap)|runtime\.(cgocall|asmcgocall)|.*\._Cfunc_\w+)$/;
/** cgo's generated wrappers sit in the service's package but are not a line anyone wrote. */
const CGO_WRAPPER = /\._C(func|Cmalloc)_|\._cgo_/;
/** Below this many CPU samples under a function, its share is noise. */
const MIN_CPU_SAMPLES = 5;
function isAuthored(name, modulePath) {
    return isOwnFunction(name, modulePath) && !CGO_WRAPPER.test(name);
}
function tallyCpu(profile, modulePath) {
    const mapping = new Map();
    const cumulative = new Map();
    const vi = Math.max(0, valueIndex(profile, 'samples'));
    let total = 0;
    for (const sample of profile.samples) {
        const n = sample.values[vi] ?? 0;
        total += n;
        const stack = sample.stack;
        const seen = new Set();
        for (const f of stack) {
            if (!isAuthored(f.func.name, modulePath) || seen.has(f.func.name))
                continue;
            seen.add(f.func.name);
            cumulative.set(f.func.name, (cumulative.get(f.func.name) ?? 0) + n);
        }
        const at = stack.findIndex((f) => MAPS_MEMORY.test(f.func.name));
        if (at < 0)
            continue;
        const ownAt = stack.findIndex((f, i) => i > at && isAuthored(f.func.name, modulePath));
        if (ownAt < 0)
            continue;
        const own = stack[ownAt];
        const call = mapping.get(own.func.name);
        if (!call || call.samples < n)
            mapping.set(own.func.name, { own, via: stack[ownAt - 1], stack, samples: n });
    }
    return { mapping, cumulative, total };
}
/**
 * Of the own functions that make mapping calls on head, the one whose share of CPU
 * grew most over base's (all of it, when base was not profiled); undefined when none
 * has enough samples to say.
 */
function offHeapCaller(head, base, modulePath) {
    if (!head)
        return undefined;
    const h = tallyCpu(head, modulePath);
    if (h.total <= 0)
        return undefined;
    const b = base ? tallyCpu(base, modulePath) : undefined;
    let best;
    for (const [name, call] of h.mapping) {
        const samples = h.cumulative.get(name) ?? 0;
        if (samples < MIN_CPU_SAMPLES)
            continue;
        const baseShare = b && b.total > 0 ? (b.cumulative.get(name) ?? 0) / b.total : undefined;
        const score = samples / h.total - (baseShare ?? 0);
        if (!best || score > best.score)
            best = { call, samples, score, baseShare };
    }
    if (!best)
        return undefined;
    const { call } = best;
    return {
        own: sourceFrame(call.own),
        via: call.via.func.name,
        stack: call.stack.slice(0, MAX_STACK_FRAMES).map(frameText),
        samples: best.samples,
        share: best.samples / h.total,
        ...(best.baseShare !== undefined ? { baseShare: best.baseShare } : {}),
    };
}

const RSS_MIN_GROWTH = 8 * 1024 * 1024;
/** ...and at least this fraction of the RSS at the start. */
const RSS_MIN_FRACTION = 0.1;
/** Live heap growth explaining less than this share of the RSS growth counts as a flat heap. */
const HEAP_SHARE_MAX = 0.25;
const RSS_KEY = '(process RSS)';
const MEMSTAT_FIELDS = ['heapInuse', 'heapIdle', 'heapReleased', 'heapSys', 'stackInuse', 'sys'];
function analyseRss(side, options, liveHeap, goroutineGrowth, baseCpu) {
    const snaps = side.snapshots;
    const n = snaps.length;
    const rss = snaps.map((s) => s.rssBytes);
    if (n < 3 || !rss.every((r) => typeof r === 'number' && r > 0))
        return {};
    const x = snaps.map((s) => s.requests);
    // RSS is not expected to drop once the load stops (the scavenger is lazy), so no release check.
    const trend = evaluateTrend(x, rss, undefined, {
        alpha: options.alpha,
        minGrowth: Math.max(RSS_MIN_GROWTH, RSS_MIN_FRACTION * rss[0]),
    });
    if (trend.verdict !== 'leak')
        return { trend };
    const first = snaps[0].memstats;
    const last = snaps[n - 1].memstats;
    const inuse = snaps.map((s) => s.memstats?.heapInuse);
    const inuseGrowth = inuse.every((v) => typeof v === 'number')
        ? evaluateTrend(x, inuse, undefined, { alpha: options.alpha, minGrowth: 0 }).growth
        : -Infinity;
    const heapGrowth = Math.max(liveHeap.growth, inuseGrowth);
    if (heapGrowth >= HEAP_SHARE_MAX * trend.growth)
        return { trend };
    const delta = (f) => {
        const a = first ? f(first) : undefined;
        const b = last ? f(last) : undefined;
        return a !== undefined && b !== undefined ? b - a : undefined;
    };
    const hint = rssGrowthHint({
        rssGrowth: trend.growth,
        stackInuseGrowth: delta((m) => m.stackInuse),
        unreturnedGrowth: delta(unreturned),
        sysGrowth: delta((m) => m.sys),
        heapSysGrowth: delta((m) => m.heapSys),
        goroutineGrowth,
        gomemlimit: side.runtimeEnv.GOMEMLIMIT,
    });
    const details = {
        rssStart: rss[0],
        rssEnd: rss[n - 1],
        rssPeak: Math.max(...rss, side.settled.rssBytes ?? 0),
        liveHeapGrowth: liveHeap.growth,
        pValue: trend.pValue,
        hintRule: hint.rule,
    };
    if (typeof side.settled.rssBytes === 'number')
        details.rssSettled = side.settled.rssBytes;
    addMemstatDetails(details, first, last, side.runtimeEnv);
    const caller = offHeapCaller(side.cpu, baseCpu, options.modulePath);
    if (caller)
        addCallerDetails(details, caller);
    return {
        trend,
        finding: {
            kind: 'rss-growth',
            status: 'unknown',
            // Keyed as the process, so base and head match whatever each blames.
            site: caller
                ? { key: RSS_KEY, function: caller.via, ownFrame: caller.own, stack: caller.stack }
                : { key: RSS_KEY, function: '(process RSS)', stack: [] },
            rate: trend.slope,
            unit: 'B/req',
            growth: trend.growth,
            summary: `RSS grew by ${formatBytesInText(trend.growth)} over ${formatCountInText(x[n - 1] - x[0])} requests (${formatBytesInText(rss[0])} -> ${formatBytesInText(rss[n - 1])}) while the live heap grew by ${formatBytesInText(Math.max(0, heapGrowth))}.`,
            hint: hint.hint,
            evidence: { requests: x, values: rss, settled: side.settled.rssBytes, pValue: trend.pValue },
            details,
        },
    };
}
/** Heap memory the runtime holds but has not returned to the OS. */
const unreturned = (m) => m.heapIdle !== undefined && m.heapReleased !== undefined ? m.heapIdle - m.heapReleased : undefined;
/** The memstats at the first and last snapshot, and the runtime settings, into the finding's details. */
function addMemstatDetails(details, first, last, runtimeEnv) {
    for (const field of MEMSTAT_FIELDS) {
        const a = first?.[field];
        const b = last?.[field];
        const name = field[0].toUpperCase() + field.slice(1);
        if (a !== undefined)
            details[`${name}Start`] = a;
        if (b !== undefined)
            details[`${name}End`] = b;
    }
    const u0 = first ? unreturned(first) : undefined;
    const u1 = last ? unreturned(last) : undefined;
    if (u0 !== undefined)
        details.heapUnreturnedStart = u0;
    if (u1 !== undefined)
        details.heapUnreturnedEnd = u1;
    for (const k of ['GOGC', 'GOMEMLIMIT', 'GODEBUG'])
        if (runtimeEnv[k])
            details[k] = runtimeEnv[k];
}
/** Who maps the memory off the heap, from the CPU profile, into the finding's details. */
function addCallerDetails(details, caller) {
    details.mappingCpuSamples = caller.samples;
    details.mappingCpuShare = caller.share;
    if (caller.baseShare !== undefined)
        details.mappingCpuShareOnBase = caller.baseShare;
    const onBase = caller.baseShare !== undefined ? ` (base ${formatFraction(caller.baseShare)})` : '';
    details.mappingCalls = `${caller.own.function} maps memory through ${caller.via} and takes ${formatFraction(caller.share)} of the CPU samples${onBase}`;
}

/** Head leaks at least this many times faster than base: worsened. */
const WORSENED_RATIO = 2;
function assignStatus(head, base) {
    for (const f of head) {
        if (!base) {
            f.status = 'unknown';
            continue;
        }
        const match = base.findings.find((b) => b.kind === f.kind && b.site.key === f.site.key);
        const trend = base.trend(f.kind, f.site.key);
        const baseRate = match ? match.rate : Math.max(0, trend?.slope ?? 0);
        f.baseRate = baseRate;
        if (match) {
            // Twice as fast, and beyond what base's own interval allows.
            const high = trend && Number.isFinite(trend.slopeHigh) ? trend.slopeHigh : baseRate;
            f.status = f.rate >= WORSENED_RATIO * baseRate && f.rate > high ? 'worsened' : 'pre-existing';
        }
        else if (baseRate > 0 && f.rate <= WORSENED_RATIO * baseRate) {
            f.status = 'pre-existing';
            f.details.baseBelowDetection = `base grows here too (${trend?.reason ?? 'below the detection thresholds'})`;
        }
        else {
            f.status = 'new';
        }
    }
}
function verdictOf(findings, regression) {
    const leaks = findings.filter((f) => isLeakKind(f.kind));
    return {
        leak: leaks.length > 0,
        newLeak: leaks.some((f) => f.status === 'new' || f.status === 'worsened'),
        regression,
    };
}

function goroutineTotal(p) {
    if (!p)
        return undefined;
    const vi = Math.max(0, valueIndex(p, 'goroutine'));
    return p.samples.reduce((s, x) => s + (x.values[vi] ?? 0), 0);
}
function summarise(side, heap, alloc) {
    const snaps = side.snapshots;
    const n = snaps.length;
    const first = snaps[0];
    const last = snaps[n - 1];
    const totals = heap.table.totals;
    const rss = [...snaps.map((s) => s.rssBytes), side.settled.rssBytes].filter((v) => typeof v === 'number');
    const summary = {
        side: side.side,
        requests: side.load.requests,
        errors: side.load.errors,
        requestsPerSecond: side.load.requestsPerSecond,
        p99LatencyMs: side.load.latencyMs.p99,
        heapGrowthPer1kRequests: heap.total.slope * 1000,
        liveHeapStart: totals[0]?.inuseSpace ?? 0,
        liveHeapEnd: totals[n - 1]?.inuseSpace ?? 0,
        liveHeapSettled: totals[n]?.inuseSpace ?? 0,
        allocBytesPerRequest: alloc.bytesPerRequest,
        allocObjectsPerRequest: alloc.objectsPerRequest,
        heapSeries: [...snaps, side.settled].map((s, i) => ({
            label: s.label,
            requests: s.requests,
            elapsedMs: s.elapsedMs,
            inuseBytes: totals[i]?.inuseSpace ?? 0,
        })),
    };
    const g0 = goroutineTotal(first?.goroutines);
    const g1 = goroutineTotal(last?.goroutines);
    if (g0 !== undefined)
        summary.goroutinesStart = g0;
    if (g1 !== undefined)
        summary.goroutinesEnd = g1;
    if (rss.length)
        summary.rssPeakBytes = Math.max(...rss);
    if (typeof first?.openFds === 'number')
        summary.openFdsStart = first.openFds;
    if (typeof last?.openFds === 'number')
        summary.openFdsEnd = last.openFds;
    const gc0 = first?.memstats?.numGC;
    const gc1 = last?.memstats?.numGC;
    const env = side.runtimeEnv;
    if (gc0 !== undefined || gc1 !== undefined || env.GOGC || env.GOMEMLIMIT) {
        summary.gc = {
            numGC: gc0 !== undefined && gc1 !== undefined ? gc1 - gc0 : 0,
            gcCPUFraction: last?.memstats?.gcCPUFraction,
            gogc: env.GOGC,
            gomemlimit: env.GOMEMLIMIT,
        };
    }
    return summary;
}

/** Head leaks at under this share of base's rate (its whole interval below it): fixed in part. */
const FIXED_RATIO = 0.5;
function fixedLeaks(base, head) {
    const fixed = [];
    for (const b of base) {
        if (!isLeakKind(b.kind) || !(b.rate > 0))
            continue;
        const still = head.findings.find((h) => h.kind === b.kind && h.site.key === b.site.key);
        const trend = head.trend(b.kind, b.site.key);
        const headRate = still ? still.rate : Math.max(0, trend?.slope ?? 0);
        const headHigh = still
            ? Number(still.details.slopeHigh ?? still.rate)
            : trend && Number.isFinite(trend.slopeHigh)
                ? Math.max(0, trend.slopeHigh)
                : headRate;
        // Beyond doubt: even the top of head's interval is under half of base's rate.
        if (headHigh >= FIXED_RATIO * b.rate)
            continue;
        fixed.push({
            kind: b.kind,
            site: b.site,
            unit: b.unit,
            baseRate: b.rate,
            headRate,
            how: still ? 'slower' : 'gone',
            summary: b.summary,
        });
    }
    return fixed;
}

// The analysis stage: pure, from both sides' decoded snapshots to findings,
// allocation changes and a verdict.
/** A fixed leak's harm on base, where it was measured. */
function harmOfFixed(f, base) {
    const was = base.findings.find((b) => b.kind === f.kind && b.site.key === f.site.key);
    return was ? harmOf(was) : 0;
}
function analyseSide(side, options, other) {
    const heap = analyseHeap(side, options);
    const goroutines = analyseGoroutines(side, options);
    const n = side.snapshots.length;
    const gTotal = (i) => side.snapshots[i]?.goroutines?.samples.reduce((s, x) => s + (x.values[0] ?? 0), 0) ?? undefined;
    const g0 = gTotal(0);
    const g1 = gTotal(n - 1);
    const rss = analyseRss(side, options, heap.total, g0 !== undefined && g1 !== undefined ? g1 - g0 : undefined, other?.cpu);
    const { findings: attributed } = attributeHeapFindings([...heap.findings, ...goroutines.findings, ...(rss.finding ? [rss.finding] : [])], heap, { alpha: options.alpha, sampleBytes: options.memProfileRate, minGrowth: heapMinGrowth(options) });
    const findings = foldIntoOwner(withHarm(attributed, side));
    // Stopped at its memory budget before any leak could be certain: still a leak.
    const budget = side.budgetStop && !findings.some((f) => isLeakKind(f.kind))
        ? budgetFinding(heap.table, side.snapshots.map((s) => s.requests), side.budgetStop)
        : undefined;
    return { heap, goroutines, rss, findings: budget ? [budget, ...findings] : findings };
}
/** The options a side's trends are tested with: at what its looks left of alpha when it stopped early. */
function trendOptions(side, options) {
    return side.trendAlpha === undefined ? options : { ...options, alpha: side.trendAlpha };
}
/** A side's findings and its trend at any site, by kind: for comparing against the other side. */
function evidenceOf(side) {
    return {
        findings: side.findings,
        trend(kind, key) {
            switch (kind) {
                case 'heap-leak':
                case 'bounded-growth':
                    return side.heap.trends.get(key);
                case 'goroutine-leak':
                    return side.goroutines.trends.get(key);
                case 'connection-leak':
                    return side.goroutines.trends.get(CONNECTION_KEY);
                case 'rss-growth':
                    return side.rss.trend;
                default:
                    return undefined;
            }
        },
    };
}
const STATUS_ORDER = ['new', 'worsened', 'unknown', 'pre-existing'];
/**
 * Analyses head (and base, when measured). Findings are head's: leaks first (new
 * before pre-existing, then by the memory each cause adds per request), bounded
 * growth last as information.
 */
function compareSides(head, base, options) {
    const h = analyseSide(head, trendOptions(head, options), base);
    const b = base ? analyseSide(base, trendOptions(base, options), head) : undefined;
    assignStatus(h.findings, b ? evidenceOf(b) : undefined);
    const findings = [...h.findings].sort((x, y) => Number(x.kind === 'bounded-growth') - Number(y.kind === 'bounded-growth') ||
        STATUS_ORDER.indexOf(x.status) - STATUS_ORDER.indexOf(y.status) ||
        harmOf(y) - harmOf(x) ||
        y.growth - x.growth);
    const fixed = b
        ? fixedLeaks(b.findings, evidenceOf(h)).sort((x, y) => harmOfFixed(y, b) - harmOfFixed(x, b))
        : [];
    const regressions = analyseRegressions({ table: h.heap.table, requests: h.heap.requests }, b && base ? { table: b.heap.table, requests: b.heap.requests } : undefined, options);
    const total = regressions.total;
    const regression = !!base && total.significant && total.change >= options.regressionThreshold;
    const notes = [
        ...sideNotes(head, trendOptions(head, options)),
        ...(base ? sideNotes(base, trendOptions(base, options)) : []),
        ...runNotes(head, base, options, regressions),
    ];
    for (const stack of h.goroutines.unconfirmedLeakProfileStacks.slice(0, 3)) {
        notes.push(`The goroutineleak profile reports leaked goroutines whose count did not grow with requests: ${stack}`);
    }
    return {
        verdict: verdictOf(findings, regression),
        findings,
        base: b && base ? summarise(base, b.heap, regressions.total.base) : undefined,
        head: summarise(head, h.heap, total.head),
        total,
        ...(fixed.length ? { fixed } : {}),
        growing: regressions.growing,
        improved: regressions.improved,
        topAllocators: regressions.topAllocators,
        notes,
    };
}

/**
 * A profile (or profile text) that cannot be used. The message is one line and
 * names what is wrong, so callers can show it as is.
 */
class ProfileError extends Error {
    name = 'ProfileError';
    constructor(message, options) {
        super(message.replace(/\s*\n\s*/g, ' ').trim(), options);
    }
}

// goroutine 7 [chan send, 3 minutes]:
// goroutine 1 gp=0xc000002380 m=0 mp=0x5c3ec0 [running]:   (GOTRACEBACK=system)
const HEADER$2 = /^goroutine (\d+)(?: gp=\S+(?: m=\S+)?(?: mp=\S+)?)? \[(.*)\]:$/;
// \t/path/file.go:12 +0x1d   (maybe followed by fp= sp= pc=); the greedy path allows "C:/..."
const FILE_LINE = /^\t(.+):(\d+)(?:\s|$)/;
const CREATED_BY = /^created by (\S+)(?: in goroutine (\d+))?$/;
const ANCESTOR = /^\[originating from goroutine (\d+)\]:$/;
const ELIDED = /^\.\.\.(\d+|additional) frames elided\.\.\.$/;
const MINUTES = /^(\d+) minutes?$/;
/**
 * Parses /debug/pprof/goroutine?debug=2 (the runtime's traceback format).
 * Lines it does not recognise are skipped, so a newer runtime's additions do
 * not break the parse; text with no goroutine header at all is an error.
 */
function parseGoroutineDump(debug2Text) {
    const records = [];
    let current;
    // Where frame lines go: the goroutine's own stack, or an ancestor's.
    let frames = [];
    let pendingFunc;
    let pendingCreatedBy;
    let inAncestor = false;
    for (const rawLine of debug2Text.split('\n')) {
        const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
        if (line === '') {
            pendingFunc = undefined;
            pendingCreatedBy = undefined;
            continue;
        }
        const header = HEADER$2.exec(line);
        if (header) {
            current = parseHeader(Number(header[1]), header[2]);
            records.push(current);
            frames = current.frames;
            pendingFunc = undefined;
            pendingCreatedBy = undefined;
            inAncestor = false;
            continue;
        }
        if (!current)
            continue;
        const file = FILE_LINE.exec(line);
        if (file) {
            const where = { file: file[1], line: Number(file[2]) };
            if (pendingCreatedBy) {
                if (!inAncestor)
                    current.createdBy = { func: pendingCreatedBy.func, ...where, ...goroutineOf(pendingCreatedBy) };
            }
            else if (pendingFunc !== undefined) {
                frames.push({ func: pendingFunc, ...where });
            }
            pendingFunc = undefined;
            pendingCreatedBy = undefined;
            continue;
        }
        const created = CREATED_BY.exec(line);
        if (created) {
            pendingCreatedBy = { func: created[1], ...(created[2] ? { goroutine: Number(created[2]) } : {}) };
            pendingFunc = undefined;
            continue;
        }
        const ancestor = ANCESTOR.exec(line);
        if (ancestor) {
            const a = { goroutine: Number(ancestor[1]), frames: [] };
            (current.ancestors ??= []).push(a);
            frames = a.frames;
            inAncestor = true;
            pendingFunc = undefined;
            pendingCreatedBy = undefined;
            continue;
        }
        const elided = ELIDED.exec(line);
        if (elided) {
            if (!inAncestor)
                current.elidedFrames = elided[1] === 'additional' ? 0 : Number(elided[1]);
            continue;
        }
        if (!line.startsWith('\t'))
            pendingFunc = functionName(line);
    }
    if (records.length === 0 && debug2Text.trim() !== '') {
        throw new ProfileError(`no "goroutine N [state]:" header in goroutine?debug=2 text (starts with ${JSON.stringify(debug2Text.slice(0, 40))})`);
    }
    return records;
}
function goroutineOf(c) {
    return c.goroutine === undefined ? {} : { goroutine: c.goroutine };
}
/** "main.(*T).Run(0xc000010000, {0x1, 0x2})" → "main.(*T).Run"; argument lists never contain parentheses. */
function functionName(line) {
    const trimmed = line.trimEnd();
    if (trimmed.endsWith(')')) {
        const open = trimmed.lastIndexOf('(');
        if (open > 0)
            return trimmed.slice(0, open);
    }
    return trimmed;
}
/**
 * The bracket of a header: "chan send (leaked), 3 minutes, locked to thread,
 * synctest bubble 1 labels:{"k": "v"}" (runtime.goroutineheader).
 */
function parseHeader(id, bracket) {
    const record = { id, state: '', frames: [] };
    let rest = bracket;
    const labelsAt = rest.indexOf(' labels:{');
    if (labelsAt >= 0 && rest.endsWith('}')) {
        record.labels = parseLabels(rest.slice(labelsAt + ' labels:{'.length, -1));
        rest = rest.slice(0, labelsAt);
    }
    const parts = rest.split(', ');
    let state = parts[0];
    for (const part of parts.slice(1)) {
        const minutes = MINUTES.exec(part);
        if (minutes)
            record.waitMinutes = Number(minutes[1]);
        else if (part === 'locked to thread')
            record.lockedToThread = true;
        // "synctest bubble N" and anything newer: not needed by the analysis.
    }
    for (;;) {
        if (state.endsWith(' (leaked)')) {
            record.leaked = true;
            state = state.slice(0, -' (leaked)'.length);
        }
        else if (state.endsWith(' (scan)')) {
            state = state.slice(0, -' (scan)'.length);
        }
        else if (state.endsWith(' (durable)')) {
            record.durable = true;
            state = state.slice(0, -' (durable)'.length);
        }
        else
            break;
    }
    record.state = state;
    return record;
}
/** `"k": "v", "k2": "v2"` with Go-quoted strings. */
function parseLabels(text) {
    const labels = {};
    const pair = /("(?:[^"\\]|\\.)*"): ("(?:[^"\\]|\\.)*")/g;
    for (let m = pair.exec(text); m; m = pair.exec(text))
        labels[unquote(m[1])] = unquote(m[2]);
    return labels;
}
function unquote(q) {
    try {
        return JSON.parse(q);
    }
    catch {
        // Go escapes JSON lacks (\x00, \a): keep the text between the quotes.
        return q.slice(1, -1);
    }
}

function isOwn(func, modulePath) {
    return func.startsWith('main.') || func.startsWith(`${modulePath}.`) || func.startsWith(`${modulePath}/`);
}
/** The first panic/fatal line of the log tail, e.g. "fatal error: runtime: out of memory". */
function crashReason(logTail) {
    const line = logTail.split('\n').find((l) => /^(panic: |fatal error: |runtime: out of memory)/.test(l));
    return line?.trim();
}
function crashFinding(error, modulePath, baseCrashed) {
    const reason = crashReason(error.logTail);
    const traceStart = error.logTail.search(/^goroutine \d+ \[/m);
    const goroutines = traceStart >= 0 ? parseGoroutineDump(error.logTail.slice(traceStart)) : [];
    const frames = goroutines[0]?.frames ?? [];
    const own = frames.find((f) => isOwn(f.func, modulePath));
    const oom = /out of memory|cannot allocate memory/i.test(error.logTail) || error.exit.signal === 'SIGKILL';
    const requests = error.load?.requests ?? 0;
    return {
        kind: 'crash',
        status: baseCrashed ? 'pre-existing' : 'new',
        site: {
            key: `crash:${own?.func ?? frames[0]?.func ?? 'unknown'}`,
            function: own?.func ?? frames[0]?.func ?? '(unknown)',
            ownFrame: own ? { function: own.func, file: own.file, line: own.line } : undefined,
            stack: frames.slice(0, 32).map((f) => `${f.func} ${f.file}:${f.line}`),
        },
        rate: 0,
        unit: '',
        growth: 0,
        summary: `The ${error.side} service died under load${requests ? ` after ${requests.toLocaleString('en-US')} requests` : ''}: ${reason ?? error.message.split('\n')[0]}.`,
        hint: oom
            ? 'The process ran out of memory (or was killed): a leak this fast ends in an OOM kill in production. Look at the heap findings and the last heap profile in the artifact.'
            : `Fix the ${reason?.startsWith('panic') ? 'panic' : 'crash'}${own ? ` at ${own.file}:${own.line}` : ''}; a handler that panics under concurrency often shares state without a lock (run the tests with -race).`,
        evidence: { requests: [], values: [] },
        details: {
            exit: error.exit.signal ? `signal ${error.exit.signal}` : `code ${error.exit.code}`,
            ...(error.elapsedMs >= 0 ? { 'seconds into the load': Math.round(error.elapsedMs / 100) / 10 } : {}),
            'log tail': error.logTail.split('\n').slice(-15).join('\n'),
        },
    };
}

// What one side's measurement produces: raw bytes and counters only, and how
// the side ended (measured, crashed, stopped) as data. Nothing here is decoded
// while the service is under load; decoding and analysis run after both sides
// are measured, so they never steal its CPU.
/** Why a side's measured load ended (issue 16's stopping rule, or the fixed schedule's end). */
const STOP_REASONS = ['leak-certain', 'memory-budget', 'floor-reached', 'max-duration'];
/** A load that never ran, for a side that ended before it counted anything. */
const NO_LOAD = {
    requests: 0,
    errors: 0,
    durationMs: 0,
    requestsPerSecond: 0,
    latencyMs: { p50: 0, p90: 0, p99: 0, max: 0 },
    statusCounts: {},
    errorSamples: [],
};

// One small GET for readiness polls and pprof scrapes. node:http with no agent:
// each call has its own connection, closed afterwards, so no pooled socket to the
// service outlives the call or shows up in its descriptor count.
class HttpTimeoutError extends Error {
    name = 'HttpTimeoutError';
}
function httpGet(url, options) {
    const maxBytes = options.maxBytes ?? 512 * 1024 * 1024;
    const target = new URL(url);
    const client = target.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
        let settled = false;
        const finish = (err, result) => {
            if (settled)
                return;
            settled = true;
            clearTimeout(timer);
            options.signal?.removeEventListener('abort', onAbort);
            req.destroy();
            if (err)
                reject(err);
            else
                resolve(result);
        };
        const onAbort = () => finish(options.signal?.reason ?? new Error('aborted'));
        const timer = setTimeout(() => finish(new HttpTimeoutError(`GET ${url} timed out after ${formatSeconds(options.timeoutMs)}`)), options.timeoutMs);
        const req = client.get(target, { agent: false, headers: { connection: 'close' } }, (res) => {
            const chunks = [];
            let size = 0;
            res.on('data', (chunk) => {
                if (size >= maxBytes)
                    return;
                chunks.push(chunk);
                size += chunk.length;
                if (size >= maxBytes) {
                    finish(undefined, {
                        status: res.statusCode ?? 0,
                        body: Buffer.concat(chunks).subarray(0, maxBytes),
                        truncated: true,
                    });
                }
            });
            res.on('end', () => finish(undefined, { status: res.statusCode ?? 0, body: Buffer.concat(chunks), truncated: false }));
            res.on('error', (err) => finish(err));
            res.on('aborted', () => finish(new Error(`GET ${url}: connection closed before the body ended`)));
        });
        req.on('error', (err) => finish(err));
        if (options.signal?.aborted)
            onAbort();
        else
            options.signal?.addEventListener('abort', onAbort, { once: true });
    });
}
function formatSeconds(ms) {
    const s = ms / 1000;
    return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}

/**
 * The one line a stopped run's report carries, e.g. "timeout after 15m: head
 * measured for 8 s of 20 s; results are partial". Sides measured to the end go
 * unmentioned; a side the run never reached is "not measured".
 */
function stoppedNote(summary, sides, stopped, measured) {
    const parts = [];
    for (const side of sides) {
        const cut = stopped[side];
        if (cut) {
            const last = cut.snapshots[cut.snapshots.length - 1];
            parts.push(last
                ? `${side} measured for ${formatSeconds(Math.round(last.elapsedMs / 1000) * 1000)} of ${formatSeconds(cut.durationMs)}`
                : `${side} stopped before its first snapshot`);
        }
        else if (!measured[side])
            parts.push(`${side} not measured`);
    }
    if (parts.length === 0)
        return `${summary}: every side measured, the self-check (A/A) was not finished`;
    return `${summary}: ${parts.join(', ')}; results are partial`;
}
/**
 * Head died before anything could be measured: the crash is the report, with
 * base's summary beside it when base was measured (`compareSides(baseData, undefined, options).head`).
 */
function crashOnlyAnalysis(error, base) {
    return headlessAnalysis(error.load, base, {
        verdict: { leak: true, newLeak: true, regression: false },
        note: 'head crashed before enough snapshots were taken: no heap or allocation figures.',
    });
}
/**
 * The run was stopped before head took a snapshot: base's summary when there is
 * one, and no verdict either way (the caller marks the run untrustworthy).
 */
function stoppedOnlyAnalysis(error, base) {
    return headlessAnalysis(error?.load, base, {
        verdict: { leak: false, newLeak: false, regression: false },
        note: 'head has no snapshot: no heap or allocation figures for head.',
    });
}
function headlessAnalysis(headLoad, base, headless) {
    const load = headLoad ?? NO_LOAD;
    const head = {
        side: 'head',
        requests: load.requests,
        errors: load.errors,
        requestsPerSecond: load.requestsPerSecond,
        p99LatencyMs: load.latencyMs.p99,
        heapGrowthPer1kRequests: 0,
        liveHeapStart: 0,
        liveHeapEnd: 0,
        liveHeapSettled: 0,
        allocBytesPerRequest: 0,
        allocObjectsPerRequest: 0,
        heapSeries: [],
    };
    return {
        verdict: headless.verdict,
        findings: [],
        ...(base ? { base: { ...base, side: 'base' } } : {}),
        head,
        total: {
            site: TOTAL_SITE,
            head: { bytesPerRequest: 0, objectsPerRequest: 0, windows: [] },
            change: 0,
            significant: false,
        },
        growing: [],
        improved: [],
        notes: [headless.note],
    };
}
/** One line on the A/A run: anything it flags is noise at this load and duration. */
function selfCheckNote(selfCheck) {
    const leaks = selfCheck.findings.filter((f) => f.kind !== 'bounded-growth' && f.kind !== 'crash');
    const change = selfCheck.total.change;
    const ci = selfCheck.total.ci
        ? ` (95% CI ${pct(selfCheck.total.ci[0])} to ${pct(selfCheck.total.ci[1])})`
        : '';
    const verdict = leaks.length === 0 && !selfCheck.verdict.regression
        ? 'no leak and no regression, as it should'
        : `FLAGGED ${[leaks.length ? `${leaks.length} leak(s)` : '', selfCheck.verdict.regression ? 'a regression' : ''].filter(Boolean).join(' and ')} — the measurement is noisier than the verdict assumes; use a longer duration or more snapshots`;
    return `Self-check (head measured twice, A/A): ${verdict}; allocated bytes per request differed by ${pct(change)}${ci}.`;
}
function pct(x) {
    if (!Number.isFinite(x))
        return 'n/a';
    return `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
}

function crashOf(outcome) {
    return outcome?.kind === 'crashed' ? outcome.crash : undefined;
}
function stopOf(outcome) {
    return outcome?.kind === 'stopped' ? outcome.stop : undefined;
}
function deepFreeze(value) {
    if (value && typeof value === 'object' && !Object.isFrozen(value)) {
        Object.freeze(value);
        for (const v of Object.values(value))
            deepFreeze(v);
    }
    return value;
}
/** The finished, frozen analysis of a run. */
function analyse(run, options) {
    const head = run.head?.measurement?.data;
    const base = run.base?.measurement?.data;
    const headCrash = crashOf(run.head);
    const baseCrash = crashOf(run.base);
    const baseAlone = () => base && compareSides(base, undefined, options).head;
    const compared = head
        ? compareSides(head, base, options)
        : headCrash
            ? crashOnlyAnalysis(headCrash, baseAlone())
            : stoppedOnlyAnalysis(stopOf(run.head), baseAlone());
    const findings = [...compared.findings];
    const notes = [...compared.notes];
    const untrustworthy = [];
    let regression = compared.verdict.regression;
    if (run.sandboxNote)
        notes.push(run.sandboxNote);
    for (const side of run.sides) {
        const measurement = run[side]?.measurement;
        for (const problem of measurement?.problems ?? [])
            notes.push(`${side}: ${problem}`);
        // Errors take other code paths than successes: such a measurement cannot vouch for the code.
        for (const problem of measurement?.loadProblems ?? [])
            untrustworthy.push(`${side}: ${problem.text}`);
    }
    if (untrustworthy.length > 0 && regression) {
        // Allocation measured on error paths is not the code's allocation: no regression verdict from it.
        regression = false;
        notes.push('No regression verdict: requests failed under load, so the allocation figures come from error paths.');
    }
    if (baseCrash) {
        notes.push(`base: ${oneLine$1(baseCrash.message.split('\n')[0])}; head is judged on its own where base has no data.`);
    }
    if (headCrash)
        findings.unshift(crashFinding(headCrash, options.modulePath, !!baseCrash));
    if (run.stopped !== undefined) {
        const cutShort = { base: stopOf(run.base), head: stopOf(run.head) };
        const measured = { base: run.base?.measurement, head: run.head?.measurement };
        const note = stoppedNote(run.stopped, run.sides, cutShort, measured);
        notes.unshift(note);
        // Never a clean verdict from a run cut short: what was not measured may hold the leak.
        // (Stopped during the self-check only, every side was measured whole.)
        if (run.sides.some((side) => cutShort[side] || !measured[side]))
            untrustworthy.unshift(note);
        if (regression) {
            regression = false;
            notes.push('No regression verdict: the allocation figures cover only part of the run.');
        }
    }
    if (run.requestsNote)
        notes.push(run.requestsNote);
    if (run.selfCheck && head)
        notes.push(selfCheckNote(compareSides(run.selfCheck, head, options)));
    // A head that crashed before its first snapshot is a new leak whatever base did (crashOnlyAnalysis).
    const fromFindings = verdictOf(findings, regression);
    return deepFreeze({
        ...compared,
        verdict: {
            leak: compared.verdict.leak || fromFindings.leak,
            newLeak: compared.verdict.newLeak || fromFindings.newLeak,
            regression,
        },
        findings,
        notes,
        ...(untrustworthy.length > 0 ? { untrustworthy } : {}),
    });
}

/** The run's significance level: every trend and comparison, spent over the looks when a side stops early. */
const RUN_ALPHA = 0.05;

/**
 * Unless explicitly stated otherwise all files in this repository are licensed under the MIT License.
 *
 * This product includes software developed at Datadog (https://www.datadoghq.com/  Copyright 2022 Datadog, Inc.
 */
var __classPrivateFieldGet = (undefined && undefined.__classPrivateFieldGet) || function (receiver, state, kind, f) {
    if (kind === "a" && !f) throw new TypeError("Private accessor was defined without a getter");
    if (typeof state === "function" ? receiver !== state || !f : !state.has(receiver)) throw new TypeError("Cannot read private member from an object whose class did not declare it");
    return kind === "m" ? f : kind === "a" ? f.call(receiver) : f ? f.value : state.get(receiver);
};
var _StringTable_encodings, _StringTable_positions;
/*!
 * Private helpers. These are only used by other helpers.
 */
const lowMaxBig = 2n ** 32n - 1n;
const lowMax = 2 ** 32 - 1;
const lowMaxPlus1 = lowMax + 1;
// Buffer.from(string, 'utf8') is faster, when available
const toUtf8 = typeof Buffer === 'undefined'
    ? (value) => new TextEncoder().encode(value)
    : (value) => Buffer.from(value, 'utf8');
function countNumberBytes(buffer) {
    if (!buffer.length)
        return 0;
    let i = 0;
    while (i < buffer.length && buffer[i++] >= 0b10000000)
        ;
    return i;
}
function decodeBigNumber(buffer) {
    if (!buffer.length)
        return BigInt(0);
    let value = BigInt(buffer[0] & 0b01111111);
    let i = 0;
    while (buffer[i++] >= 0b10000000) {
        value |= BigInt(buffer[i] & 0b01111111) << BigInt(7 * i);
    }
    return value;
}
function makeValue(value, offset = 0) {
    return { value, offset };
}
function getValue(mode, buffer) {
    switch (mode) {
        case kTypeVarInt:
            for (let i = 0; i < buffer.length; i++) {
                if (!(buffer[i] & 0b10000000)) {
                    return makeValue(buffer.subarray(0, i + 1));
                }
            }
            return makeValue(buffer);
        case kTypeLengthDelim: {
            const offset = countNumberBytes(buffer);
            const size = decodeNumber(buffer);
            return makeValue(buffer.subarray(offset, Number(size) + offset), offset);
        }
        default:
            throw new Error(`Unrecognized value type: ${mode}`);
    }
}
function lowBits(number) {
    return typeof number !== 'bigint'
        ? (number >>> 0) % lowMaxPlus1
        : Number(number & lowMaxBig);
}
function highBits(number) {
    return typeof number !== 'bigint'
        ? (number / lowMaxPlus1) >>> 0
        : Number(number >> 32n & lowMaxBig);
}
function long(number) {
    const sign = number < 0;
    if (sign)
        number = -number;
    let lo = lowBits(number);
    let hi = highBits(number);
    if (sign) {
        hi = ~hi >>> 0;
        lo = ~lo >>> 0;
        if (++lo > lowMax) {
            lo = 0;
            if (++hi > lowMax) {
                hi = 0;
            }
        }
    }
    return [hi, lo];
}
/**
 * Public helpers. These are used in the type definitions.
 */
const kTypeVarInt = 0;
const kTypeLengthDelim = 2;
function decodeNumber(buffer) {
    const size = countNumberBytes(buffer);
    if (size > 4)
        return decodeBigNumber(buffer);
    if (!buffer.length)
        return 0;
    let value = buffer[0] & 0b01111111;
    let i = 0;
    while (buffer[i++] >= 0b10000000) {
        value |= (buffer[i] & 0b01111111) << (7 * i);
    }
    return value;
}
function decodeNumbers(buffer) {
    const values = [];
    let start = 0;
    for (let i = 0; i < buffer.length; i++) {
        if ((buffer[i] & 0b10000000) === 0) {
            values.push(decodeNumber(buffer.subarray(start, i + 1)));
            start = i + 1;
        }
    }
    return values;
}
function push(value, list) {
    if (list == null) {
        return [value];
    }
    list.push(value);
    return list;
}
function pushAll(values, list) {
    if (list == null) {
        return values;
    }
    for (const value of values) {
        list.push(value);
    }
    return list;
}
function measureNumber(number) {
    if (number === 0 || number === 0n)
        return 0;
    const [hi, lo] = long(number);
    const a = lo;
    const b = (lo >>> 28 | hi << 4) >>> 0;
    const c = hi >>> 24;
    if (c !== 0) {
        return c < 128 ? 9 : 10;
    }
    if (b !== 0) {
        if (b < 16384) {
            return b < 128 ? 5 : 6;
        }
        return b < 2097152 ? 7 : 8;
    }
    if (a < 16384) {
        return a < 128 ? 1 : 2;
    }
    return a < 2097152 ? 3 : 4;
}
function measureValue(value) {
    if (typeof value === 'undefined')
        return 0;
    if (typeof value === 'number' || typeof value === 'bigint') {
        return measureNumber(value) || 1;
    }
    return value.length;
}
function measureArray(list) {
    let size = 0;
    for (const item of list) {
        size += measureValue(item);
    }
    return size;
}
function measureNumberField(number) {
    const length = measureNumber(number);
    return length ? 1 + length : 0;
}
function measureNumberArrayField(values) {
    let total = 0;
    for (const value of values) {
        // Arrays should always include zeros to keep positions consistent
        total += measureNumber(value) || 1;
    }
    // Packed arrays are encoded as Tag,Len,ConcatenatedElements
    // Tag is only one byte because field number is always < 16 in pprof
    return total ? 1 + measureNumber(total) + total : 0;
}
function measureLengthDelimField(value) {
    const length = measureValue(value);
    // Length delimited records / submessages are encoded as Tag,Len,EncodedRecord
    // Tag is only one byte because field number is always < 16 in pprof
    return length ? 1 + measureNumber(length) + length : 0;
}
function measureLengthDelimArrayField(values) {
    let total = 0;
    for (const value of values) {
        total += measureLengthDelimField(value);
    }
    return total;
}
function encodeNumber(buffer, i, number) {
    if (number === 0 || number === 0n) {
        buffer[i++] = 0;
        return i;
    }
    let [hi, lo] = long(number);
    while (hi) {
        buffer[i++] = lo & 127 | 128;
        lo = (lo >>> 7 | hi << 25) >>> 0;
        hi >>>= 7;
    }
    while (lo > 127) {
        buffer[i++] = lo & 127 | 128;
        lo = lo >>> 7;
    }
    buffer[i++] = lo;
    return i;
}
const emptyTableToken = Symbol();
class StringTable {
    constructor(tok) {
        this.strings = new Array();
        _StringTable_encodings.set(this, new Array());
        _StringTable_positions.set(this, new Map());
        if (tok !== emptyTableToken) {
            this.dedup('');
        }
    }
    get encodedLength() {
        let size = 0;
        for (const encoded of __classPrivateFieldGet(this, _StringTable_encodings, "f")) {
            size += encoded.length;
        }
        return size;
    }
    _encodeToBuffer(buffer, offset) {
        for (const encoded of __classPrivateFieldGet(this, _StringTable_encodings, "f")) {
            buffer.set(encoded, offset);
            offset += encoded.length;
        }
        return offset;
    }
    encode(buffer = new Uint8Array(this.encodedLength)) {
        this._encodeToBuffer(buffer, 0);
        return buffer;
    }
    static _encodeStringFromUtf8(stringBuffer) {
        const buffer = new Uint8Array(1 + stringBuffer.length + (measureNumber(stringBuffer.length) || 1));
        let offset = 0;
        buffer[offset++] = 50; // (6 << 3) + kTypeLengthDelim
        offset = encodeNumber(buffer, offset, stringBuffer.length);
        if (stringBuffer.length > 0) {
            buffer.set(stringBuffer, offset);
        }
        return buffer;
    }
    static _encodeString(string) {
        return StringTable._encodeStringFromUtf8(toUtf8(string));
    }
    dedup(string) {
        if (typeof string === 'number')
            return string;
        if (!__classPrivateFieldGet(this, _StringTable_positions, "f").has(string)) {
            const pos = this.strings.push(string) - 1;
            __classPrivateFieldGet(this, _StringTable_positions, "f").set(string, pos);
            // Encode strings on insertion
            __classPrivateFieldGet(this, _StringTable_encodings, "f").push(StringTable._encodeString(string));
        }
        return __classPrivateFieldGet(this, _StringTable_positions, "f").get(string);
    }
    _decodeString(buffer) {
        const string = new TextDecoder().decode(buffer);
        __classPrivateFieldGet(this, _StringTable_positions, "f").set(string, this.strings.push(string) - 1);
        __classPrivateFieldGet(this, _StringTable_encodings, "f").push(StringTable._encodeStringFromUtf8(buffer));
    }
}
_StringTable_encodings = new WeakMap(), _StringTable_positions = new WeakMap();
function decode(buffer, decoder) {
    const data = {};
    let index = 0;
    while (index < buffer.length) {
        const field = buffer[index] >> 3;
        const mode = buffer[index] & 0b111;
        index++;
        const { offset, value } = getValue(mode, buffer.subarray(index));
        index += value.length + offset;
        decoder(data, field, value);
    }
    return data;
}
class ValueType {
    static create(data) {
        return data instanceof ValueType ? data : new ValueType(data);
    }
    constructor(data) {
        this.type = data.type || 0;
        this.unit = data.unit || 0;
    }
    get length() {
        let total = 0;
        total += measureNumberField(this.type);
        total += measureNumberField(this.unit);
        return total;
    }
    _encodeToBuffer(buffer, offset = 0) {
        if (this.type) {
            buffer[offset++] = 8; // (1 << 3) + kTypeVarInt
            offset = encodeNumber(buffer, offset, this.type);
        }
        if (this.unit) {
            buffer[offset++] = 16; // (2 << 3) + kTypeVarInt
            offset = encodeNumber(buffer, offset, this.unit);
        }
        return offset;
    }
    encode(buffer = new Uint8Array(this.length)) {
        this._encodeToBuffer(buffer, 0);
        return buffer;
    }
    static decodeValue(data, field, buffer) {
        switch (field) {
            case 1:
                data.type = decodeNumber(buffer);
                break;
            case 2:
                data.unit = decodeNumber(buffer);
                break;
        }
    }
    static decode(buffer) {
        return new this(decode(buffer, this.decodeValue));
    }
}
class Label {
    static create(data) {
        return data instanceof Label ? data : new Label(data);
    }
    constructor(data) {
        this.key = data.key || 0;
        this.str = data.str || 0;
        this.num = data.num || 0;
        this.numUnit = data.numUnit || 0;
    }
    get length() {
        let total = 0;
        total += measureNumberField(this.key);
        total += measureNumberField(this.str);
        total += measureNumberField(this.num);
        total += measureNumberField(this.numUnit);
        return total;
    }
    _encodeToBuffer(buffer, offset = 0) {
        if (this.key) {
            buffer[offset++] = 8; // (1 << 3) + kTypeVarInt
            offset = encodeNumber(buffer, offset, this.key);
        }
        if (this.str) {
            buffer[offset++] = 16; // (2 << 3) + kTypeVarInt
            offset = encodeNumber(buffer, offset, this.str);
        }
        if (this.num) {
            buffer[offset++] = 24; // (3 << 3) + kTypeVarInt
            offset = encodeNumber(buffer, offset, this.num);
        }
        if (this.numUnit) {
            buffer[offset++] = 32; // (4 << 3) + kTypeVarInt
            offset = encodeNumber(buffer, offset, this.numUnit);
        }
        return offset;
    }
    encode(buffer = new Uint8Array(this.length)) {
        this._encodeToBuffer(buffer, 0);
        return buffer;
    }
    static decodeValue(data, field, buffer) {
        switch (field) {
            case 1:
                data.key = decodeNumber(buffer);
                break;
            case 2:
                data.str = decodeNumber(buffer);
                break;
            case 3:
                data.num = decodeNumber(buffer);
                break;
            case 4:
                data.numUnit = decodeNumber(buffer);
                break;
        }
    }
    static decode(buffer) {
        return new this(decode(buffer, this.decodeValue));
    }
}
class Sample {
    static create(data) {
        return data instanceof Sample ? data : new Sample(data);
    }
    constructor(data) {
        this.locationId = data.locationId || [];
        this.value = data.value || [];
        this.label = (data.label || []).map(Label.create);
    }
    get length() {
        let total = 0;
        total += measureNumberArrayField(this.locationId);
        total += measureNumberArrayField(this.value);
        total += measureLengthDelimArrayField(this.label);
        return total;
    }
    _encodeToBuffer(buffer, offset = 0) {
        if (this.locationId.length) {
            buffer[offset++] = 10; // (1 << 3) + kTypeLengthDelim
            offset = encodeNumber(buffer, offset, measureArray(this.locationId));
            for (const locationId of this.locationId) {
                offset = encodeNumber(buffer, offset, locationId);
            }
        }
        if (this.value.length) {
            buffer[offset++] = 18; // (2 << 3) + kTypeLengthDelim
            offset = encodeNumber(buffer, offset, measureArray(this.value));
            for (const value of this.value) {
                offset = encodeNumber(buffer, offset, value);
            }
        }
        for (const label of this.label) {
            buffer[offset++] = 26; // (3 << 3) + kTypeLengthDelim
            offset = encodeNumber(buffer, offset, label.length);
            offset = label._encodeToBuffer(buffer, offset);
        }
        return offset;
    }
    encode(buffer = new Uint8Array(this.length)) {
        this._encodeToBuffer(buffer, 0);
        return buffer;
    }
    static decodeValue(data, field, buffer) {
        switch (field) {
            case 1:
                data.locationId = pushAll(decodeNumbers(buffer), data.locationId);
                break;
            case 2:
                data.value = pushAll(decodeNumbers(buffer), data.value);
                break;
            case 3:
                data.label = push(Label.decode(buffer), data.label);
                break;
        }
    }
    static decode(buffer) {
        return new this(decode(buffer, this.decodeValue));
    }
}
class Mapping {
    static create(data) {
        return data instanceof Mapping ? data : new Mapping(data);
    }
    constructor(data) {
        this.id = data.id || 0;
        this.memoryStart = data.memoryStart || 0;
        this.memoryLimit = data.memoryLimit || 0;
        this.fileOffset = data.fileOffset || 0;
        this.filename = data.filename || 0;
        this.buildId = data.buildId || 0;
        this.hasFunctions = !!data.hasFunctions;
        this.hasFilenames = !!data.hasFilenames;
        this.hasLineNumbers = !!data.hasLineNumbers;
        this.hasInlineFrames = !!data.hasInlineFrames;
    }
    get length() {
        let total = 0;
        total += measureNumberField(this.id);
        total += measureNumberField(this.memoryStart);
        total += measureNumberField(this.memoryLimit);
        total += measureNumberField(this.fileOffset);
        total += measureNumberField(this.filename);
        total += measureNumberField(this.buildId);
        total += measureNumberField(this.hasFunctions ? 1 : 0);
        total += measureNumberField(this.hasFilenames ? 1 : 0);
        total += measureNumberField(this.hasLineNumbers ? 1 : 0);
        total += measureNumberField(this.hasInlineFrames ? 1 : 0);
        return total;
    }
    _encodeToBuffer(buffer, offset = 0) {
        if (this.id) {
            buffer[offset++] = 8; // (1 << 3) + kTypeVarInt
            offset = encodeNumber(buffer, offset, this.id);
        }
        if (this.memoryStart) {
            buffer[offset++] = 16; // (2 << 3) + kTypeVarInt
            offset = encodeNumber(buffer, offset, this.memoryStart);
        }
        if (this.memoryLimit) {
            buffer[offset++] = 24; // (3 << 3) + kTypeVarInt
            offset = encodeNumber(buffer, offset, this.memoryLimit);
        }
        if (this.fileOffset) {
            buffer[offset++] = 32; // (4 << 3) + kTypeVarInt
            offset = encodeNumber(buffer, offset, this.fileOffset);
        }
        if (this.filename) {
            buffer[offset++] = 40; // (5 << 3) + kTypeVarInt
            offset = encodeNumber(buffer, offset, this.filename);
        }
        if (this.buildId) {
            buffer[offset++] = 48; // (6 << 3) + kTypeVarInt
            offset = encodeNumber(buffer, offset, this.buildId);
        }
        if (this.hasFunctions) {
            buffer[offset++] = 56; // (7 << 3) + kTypeVarInt
            offset = encodeNumber(buffer, offset, 1);
        }
        if (this.hasFilenames) {
            buffer[offset++] = 64; // (8 << 3) + kTypeVarInt
            offset = encodeNumber(buffer, offset, 1);
        }
        if (this.hasLineNumbers) {
            buffer[offset++] = 72; // (9 << 3) + kTypeVarInt
            offset = encodeNumber(buffer, offset, 1);
        }
        if (this.hasInlineFrames) {
            buffer[offset++] = 80; // (10 << 3) + kTypeVarInt
            offset = encodeNumber(buffer, offset, 1);
        }
        return offset;
    }
    encode(buffer = new Uint8Array(this.length)) {
        this._encodeToBuffer(buffer, 0);
        return buffer;
    }
    static decodeValue(data, field, buffer) {
        switch (field) {
            case 1:
                data.id = decodeNumber(buffer);
                break;
            case 2:
                data.memoryStart = decodeNumber(buffer);
                break;
            case 3:
                data.memoryLimit = decodeNumber(buffer);
                break;
            case 4:
                data.fileOffset = decodeNumber(buffer);
                break;
            case 5:
                data.filename = decodeNumber(buffer);
                break;
            case 6:
                data.buildId = decodeNumber(buffer);
                break;
            case 7:
                data.hasFunctions = !!decodeNumber(buffer);
                break;
            case 8:
                data.hasFilenames = !!decodeNumber(buffer);
                break;
            case 9:
                data.hasLineNumbers = !!decodeNumber(buffer);
                break;
            case 10:
                data.hasInlineFrames = !!decodeNumber(buffer);
                break;
        }
    }
    static decode(buffer) {
        return new this(decode(buffer, this.decodeValue));
    }
}
class Line {
    static create(data) {
        return data instanceof Line ? data : new Line(data);
    }
    constructor(data) {
        this.functionId = data.functionId || 0;
        this.line = data.line || 0;
        this.column = data.column || 0;
    }
    get length() {
        let total = 0;
        total += measureNumberField(this.functionId);
        total += measureNumberField(this.line);
        total += measureNumberField(this.column);
        return total;
    }
    _encodeToBuffer(buffer, offset = 0) {
        if (this.functionId) {
            buffer[offset++] = 8; // (1 << 3) + kTypeVarInt
            offset = encodeNumber(buffer, offset, this.functionId);
        }
        if (this.line) {
            buffer[offset++] = 16; // (2 << 3) + kTypeVarInt
            offset = encodeNumber(buffer, offset, this.line);
        }
        if (this.column) {
            buffer[offset++] = 24; // (3 << 3) + kTypeVarInt
            offset = encodeNumber(buffer, offset, this.column);
        }
        return offset;
    }
    encode(buffer = new Uint8Array(this.length)) {
        this._encodeToBuffer(buffer, 0);
        return buffer;
    }
    static decodeValue(data, field, buffer) {
        switch (field) {
            case 1:
                data.functionId = decodeNumber(buffer);
                break;
            case 2:
                data.line = decodeNumber(buffer);
                break;
            case 3:
                data.column = decodeNumber(buffer);
                break;
        }
    }
    static decode(buffer) {
        return new this(decode(buffer, this.decodeValue));
    }
}
class Location {
    static create(data) {
        return data instanceof Location ? data : new Location(data);
    }
    constructor(data) {
        this.id = data.id || 0;
        this.mappingId = data.mappingId || 0;
        this.address = data.address || 0;
        this.line = (data.line || []).map(Line.create);
        this.isFolded = !!data.isFolded;
    }
    get length() {
        let total = 0;
        total += measureNumberField(this.id);
        total += measureNumberField(this.mappingId);
        total += measureNumberField(this.address);
        total += measureLengthDelimArrayField(this.line);
        total += measureNumberField(this.isFolded ? 1 : 0);
        return total;
    }
    _encodeToBuffer(buffer, offset = 0) {
        if (this.id) {
            buffer[offset++] = 8; // (1 << 3) + kTypeVarInt
            offset = encodeNumber(buffer, offset, this.id);
        }
        if (this.mappingId) {
            buffer[offset++] = 16; // (2 << 3) + kTypeVarInt
            offset = encodeNumber(buffer, offset, this.mappingId);
        }
        if (this.address) {
            buffer[offset++] = 24; // (3 << 3) + kTypeVarInt
            offset = encodeNumber(buffer, offset, this.address);
        }
        for (const line of this.line) {
            buffer[offset++] = 34; // (4 << 3) + kTypeLengthDelim
            offset = encodeNumber(buffer, offset, line.length);
            offset = line._encodeToBuffer(buffer, offset);
        }
        if (this.isFolded) {
            buffer[offset++] = 40; // (5 << 3) + kTypeVarInt
            offset = encodeNumber(buffer, offset, 1);
        }
        return offset;
    }
    encode(buffer = new Uint8Array(this.length)) {
        this._encodeToBuffer(buffer, 0);
        return buffer;
    }
    static decodeValue(data, field, buffer) {
        switch (field) {
            case 1:
                data.id = decodeNumber(buffer);
                break;
            case 2:
                data.mappingId = decodeNumber(buffer);
                break;
            case 3:
                data.address = decodeNumber(buffer);
                break;
            case 4:
                data.line = push(Line.decode(buffer), data.line);
                break;
            case 5:
                data.isFolded = !!decodeNumber(buffer);
                break;
        }
    }
    static decode(buffer) {
        return new this(decode(buffer, this.decodeValue));
    }
}
class Function {
    static create(data) {
        return data instanceof Function ? data : new Function(data);
    }
    constructor(data) {
        this.id = data.id || 0;
        this.name = data.name || 0;
        this.systemName = data.systemName || 0;
        this.filename = data.filename || 0;
        this.startLine = data.startLine || 0;
    }
    get length() {
        let total = 0;
        total += measureNumberField(this.id);
        total += measureNumberField(this.name);
        total += measureNumberField(this.systemName);
        total += measureNumberField(this.filename);
        total += measureNumberField(this.startLine);
        return total;
    }
    _encodeToBuffer(buffer, offset = 0) {
        if (this.id) {
            buffer[offset++] = 8; // (1 << 3) + kTypeVarInt
            offset = encodeNumber(buffer, offset, this.id);
        }
        if (this.name) {
            buffer[offset++] = 16; // (2 << 3) + kTypeVarInt
            offset = encodeNumber(buffer, offset, this.name);
        }
        if (this.systemName) {
            buffer[offset++] = 24; // (3 << 3) + kTypeVarInt
            offset = encodeNumber(buffer, offset, this.systemName);
        }
        if (this.filename) {
            buffer[offset++] = 32; // (4 << 3) + kTypeVarInt
            offset = encodeNumber(buffer, offset, this.filename);
        }
        if (this.startLine) {
            buffer[offset++] = 40; // (5 << 3) + kTypeVarInt
            offset = encodeNumber(buffer, offset, this.startLine);
        }
        return offset;
    }
    encode(buffer = new Uint8Array(this.length)) {
        this._encodeToBuffer(buffer, 0);
        return buffer;
    }
    static decodeValue(data, field, buffer) {
        switch (field) {
            case 1:
                data.id = decodeNumber(buffer);
                break;
            case 2:
                data.name = decodeNumber(buffer);
                break;
            case 3:
                data.systemName = decodeNumber(buffer);
                break;
            case 4:
                data.filename = decodeNumber(buffer);
                break;
            case 5:
                data.startLine = decodeNumber(buffer);
                break;
        }
    }
    static decode(buffer) {
        return new this(decode(buffer, this.decodeValue));
    }
}
class Profile {
    constructor(data = {}) {
        this.sampleType = (data.sampleType || []).map(ValueType.create);
        this.sample = (data.sample || []).map(Sample.create);
        this.mapping = (data.mapping || []).map(Mapping.create);
        this.location = (data.location || []).map(Location.create);
        this.function = (data.function || []).map(Function.create);
        this.stringTable = data.stringTable || new StringTable();
        this.dropFrames = data.dropFrames || 0;
        this.keepFrames = data.keepFrames || 0;
        this.timeNanos = data.timeNanos || 0;
        this.durationNanos = data.durationNanos || 0;
        this.periodType = data.periodType ? ValueType.create(data.periodType) : undefined;
        this.period = data.period || 0;
        this.comment = data.comment || [];
        this.defaultSampleType = data.defaultSampleType || 0;
        this.docUrl = data.docUrl || 0;
    }
    get length() {
        let total = 0;
        total += measureLengthDelimArrayField(this.sampleType);
        total += measureLengthDelimArrayField(this.sample);
        total += measureLengthDelimArrayField(this.mapping);
        total += measureLengthDelimArrayField(this.location);
        total += measureLengthDelimArrayField(this.function);
        total += this.stringTable.encodedLength;
        total += measureNumberField(this.dropFrames);
        total += measureNumberField(this.keepFrames);
        total += measureNumberField(this.timeNanos);
        total += measureNumberField(this.durationNanos);
        total += measureLengthDelimField(this.periodType);
        total += measureNumberField(this.period);
        total += measureNumberArrayField(this.comment);
        total += measureNumberField(this.defaultSampleType);
        total += measureNumberField(this.docUrl);
        return total;
    }
    _encodeSampleTypesToBuffer(buffer, offset = 0) {
        for (const sampleType of this.sampleType) {
            buffer[offset++] = 10; // (1 << 3) + kTypeLengthDelim
            offset = encodeNumber(buffer, offset, sampleType.length);
            offset = sampleType._encodeToBuffer(buffer, offset);
        }
        return offset;
    }
    _encodeSamplesToBuffer(buffer, offset = 0) {
        for (const sample of this.sample) {
            buffer[offset++] = 18; // (2 << 3) + kTypeLengthDelim
            offset = encodeNumber(buffer, offset, sample.length);
            offset = sample._encodeToBuffer(buffer, offset);
        }
        return offset;
    }
    _encodeMappingsToBuffer(buffer, offset = 0) {
        for (const mapping of this.mapping) {
            buffer[offset++] = 26; // (3 << 3) + kTypeLengthDelim
            offset = encodeNumber(buffer, offset, mapping.length);
            offset = mapping._encodeToBuffer(buffer, offset);
        }
        return offset;
    }
    _encodeLocationsToBuffer(buffer, offset = 0) {
        for (const location of this.location) {
            buffer[offset++] = 34; // (4 << 3) + kTypeLengthDelim
            offset = encodeNumber(buffer, offset, location.length);
            offset = location._encodeToBuffer(buffer, offset);
        }
        return offset;
    }
    _encodeFunctionsToBuffer(buffer, offset = 0) {
        for (const fun of this.function) {
            buffer[offset++] = 42; // (5 << 3) + kTypeLengthDelim
            offset = encodeNumber(buffer, offset, fun.length);
            offset = fun._encodeToBuffer(buffer, offset);
        }
        return offset;
    }
    _encodeBasicValuesToBuffer(buffer, offset = 0) {
        if (this.dropFrames) {
            buffer[offset++] = 56; // (7 << 3) + kTypeVarInt
            offset = encodeNumber(buffer, offset, this.dropFrames);
        }
        if (this.keepFrames) {
            buffer[offset++] = 64; // (8 << 3) + kTypeVarInt
            offset = encodeNumber(buffer, offset, this.keepFrames);
        }
        if (this.timeNanos) {
            buffer[offset++] = 72; // (9 << 3) + kTypeVarInt
            offset = encodeNumber(buffer, offset, this.timeNanos);
        }
        if (this.durationNanos) {
            buffer[offset++] = 80; // (10 << 3) + kTypeVarInt
            offset = encodeNumber(buffer, offset, this.durationNanos);
        }
        if (typeof this.periodType !== 'undefined') {
            buffer[offset++] = 90; // (11 << 3) + kTypeLengthDelim
            offset = encodeNumber(buffer, offset, this.periodType.length);
            offset = this.periodType._encodeToBuffer(buffer, offset);
        }
        if (this.period) {
            buffer[offset++] = 96; // (12 << 3) + kTypeVarInt
            offset = encodeNumber(buffer, offset, this.period);
        }
        if (this.comment.length) {
            buffer[offset++] = 106; // (13 << 3) + kTypeLengthDelim
            offset = encodeNumber(buffer, offset, measureArray(this.comment));
            for (const comment of this.comment) {
                offset = encodeNumber(buffer, offset, comment);
            }
        }
        if (this.defaultSampleType) {
            buffer[offset++] = 112; // (14 << 3) + kTypeVarInt
            offset = encodeNumber(buffer, offset, this.defaultSampleType);
        }
        if (this.docUrl) {
            buffer[offset++] = 120; // (15 << 3) + kTypeVarInt
            offset = encodeNumber(buffer, offset, this.docUrl);
        }
        return offset;
    }
    _encodeToBuffer(buffer, offset = 0) {
        offset = this._encodeSampleTypesToBuffer(buffer, offset);
        offset = this._encodeSamplesToBuffer(buffer, offset);
        offset = this._encodeMappingsToBuffer(buffer, offset);
        offset = this._encodeLocationsToBuffer(buffer, offset);
        offset = this._encodeFunctionsToBuffer(buffer, offset);
        offset = this.stringTable._encodeToBuffer(buffer, offset);
        offset = this._encodeBasicValuesToBuffer(buffer, offset);
        return offset;
    }
    async _encodeToBufferAsync(buffer, offset = 0) {
        offset = this._encodeSampleTypesToBuffer(buffer, offset);
        await new Promise(setImmediate);
        offset = this._encodeSamplesToBuffer(buffer, offset);
        await new Promise(setImmediate);
        offset = this._encodeMappingsToBuffer(buffer, offset);
        await new Promise(setImmediate);
        offset = this._encodeLocationsToBuffer(buffer, offset);
        await new Promise(setImmediate);
        offset = this._encodeFunctionsToBuffer(buffer, offset);
        await new Promise(setImmediate);
        offset = this.stringTable._encodeToBuffer(buffer, offset);
        await new Promise(setImmediate);
        offset = this._encodeBasicValuesToBuffer(buffer, offset);
        return offset;
    }
    encode(buffer = new Uint8Array(this.length)) {
        this._encodeToBuffer(buffer, 0);
        return buffer;
    }
    async encodeAsync(buffer = new Uint8Array(this.length)) {
        await this._encodeToBufferAsync(buffer, 0);
        return buffer;
    }
    static decodeValue(data, field, buffer) {
        switch (field) {
            case 1:
                data.sampleType = push(ValueType.decode(buffer), data.sampleType);
                break;
            case 2:
                data.sample = push(Sample.decode(buffer), data.sample);
                break;
            case 3:
                data.mapping = push(Mapping.decode(buffer), data.mapping);
                break;
            case 4:
                data.location = push(Location.decode(buffer), data.location);
                break;
            case 5:
                data.function = push(Function.decode(buffer), data.function);
                break;
            case 6: {
                if (data.stringTable === undefined) {
                    data.stringTable = new StringTable(emptyTableToken);
                }
                data.stringTable._decodeString(buffer);
                break;
            }
            case 7:
                data.dropFrames = decodeNumber(buffer);
                break;
            case 8:
                data.keepFrames = decodeNumber(buffer);
                break;
            case 9:
                data.timeNanos = decodeNumber(buffer);
                break;
            case 10:
                data.durationNanos = decodeNumber(buffer);
                break;
            case 11:
                data.periodType = ValueType.decode(buffer);
                break;
            case 12:
                data.period = decodeNumber(buffer);
                break;
            case 13:
                data.comment = pushAll(decodeNumbers(buffer), data.comment);
                break;
            case 14:
                data.defaultSampleType = decodeNumber(buffer);
                break;
            case 15:
                data.docUrl = decodeNumber(buffer);
                break;
        }
    }
    static decode(buffer) {
        return new this(decode(buffer, this.decodeValue));
    }
}

// Just enough of the protobuf wire format to check a profile's framing and to
// read its samples fast (see decode.ts for why samples are not left to pprof-format).
/**
 * Reads unsigned varints from a buffer; `pos` advances. Values are exact below
 * 2^53; int64 fields use int64(), which also maps two's-complement negatives
 * (10-byte varints) to negative numbers.
 */
class Reader {
    buf;
    end;
    pos;
    constructor(buf, start = 0, end = buf.length) {
        this.buf = buf;
        this.end = end;
        this.pos = start;
    }
    /** An unsigned varint, or -1 when it runs past `end` or over 10 bytes. */
    uvarint() {
        const buf = this.buf;
        let pos = this.pos;
        const end = this.end;
        if (pos < end) {
            const b = buf[pos];
            if (b < 0x80) {
                this.pos = pos + 1;
                return b;
            }
        }
        let value = 0;
        let scale = 1;
        for (let i = 0; i < 10; i++, pos++) {
            if (pos >= end)
                return -1;
            const b = buf[pos];
            value += (b & 0x7f) * scale;
            if (b < 0x80) {
                this.pos = pos + 1;
                return value;
            }
            scale *= 128;
        }
        return -1;
    }
    /** An int64 varint as a number (negative values come as 10-byte two's complement), or undefined. */
    int64() {
        const start = this.pos;
        const v = this.uvarint();
        if (v < 0)
            return undefined;
        if (this.pos - start < 8)
            return v; // below 2^49: exact as read
        let big = 0n;
        for (let i = this.pos - 1; i >= start; i--)
            big = (big << 7n) | BigInt(this.buf[i] & 0x7f);
        return Number(BigInt.asIntN(64, big));
    }
}
/** fields() without a Field object per field (a profile has one per sample). */
function forEachField(buf, start, end, what, visit) {
    const r = new Reader(buf, start, end);
    while (r.pos < end) {
        const at = r.pos;
        const tag = r.uvarint();
        if (tag <= 0)
            throw new FramingError(`bad field tag in ${what} at byte ${at}`, r.pos >= end);
        const field = Math.floor(tag / 8);
        const wire = tag % 8;
        if (field === 0)
            throw new FramingError(`field number 0 in ${what} at byte ${at}`, false);
        let valueStart = r.pos;
        switch (wire) {
            case 0:
                if (r.uvarint() < 0)
                    throw new FramingError(`varint of field ${field} of ${what} cut off at byte ${at}`, true);
                break;
            case 2: {
                const len = r.uvarint();
                if (len < 0)
                    throw new FramingError(`length of field ${field} of ${what} cut off at byte ${at}`, true);
                valueStart = r.pos;
                r.pos += len;
                if (r.pos > end) {
                    throw new FramingError(`field ${field} of ${what} at byte ${at} needs ${len} bytes, ${end - valueStart} left`, true);
                }
                break;
            }
            case 1:
                r.pos += 8;
                break;
            case 5:
                r.pos += 4;
                break;
            default:
                throw new FramingError(`invalid wire type ${wire} in ${what} at byte ${at}`, false);
        }
        if (r.pos > end)
            throw new FramingError(`field ${field} of ${what} at byte ${at} cut off`, true);
        visit(field, wire, at, valueStart, r.pos);
    }
}
/** A framing problem; `truncated` when the data simply ends too soon. */
class FramingError extends ProfileError {
    truncated;
    constructor(message, truncated) {
        super(message);
        this.truncated = truncated;
    }
}

// The top level of a pprof profile: its framing checked, its fields counted
// against the budget before anything is decoded, and the samples split from
// the rest (pprof-format decodes the rest; samples.ts reads the samples).
const DEFAULT_BUDGET = {
    samples: 500_000,
    locations: 500_000,
    functions: 200_000,
    strings: 1_000_000,
};
/** profile.proto's field numbers of what the budget counts. */
const BUDGET_FIELDS = {
    2: 'samples',
    4: 'locations',
    5: 'functions',
    6: 'strings',
};
/** Fields of the Profile message (profile.proto numbers them 1..15). */
const KNOWN_FIELDS = 15;
/** Profile fields that are varints; the others (but comment, 13, which may be packed) are length-delimited. */
const VARINT_FIELDS = new Set([7, 8, 9, 10, 12, 14, 15]);
/**
 * Checks the top-level framing (pprof-format walks it without bounds checks:
 * a truncated profile would decode "successfully" into nonsense, and a tag
 * longer than one byte, a field number above 15, is misread), and splits the
 * samples from the rest. Unknown fields, which protobuf allows, are dropped.
 */
function splitTopLevel(raw, budget) {
    const samples = new SampleRanges();
    const keep = [];
    let keptBytes = 0;
    const counts = { samples: 0, locations: 0, functions: 0, strings: 0 };
    try {
        forEachField(raw, 0, raw.length, 'profile', (field, wire, start, valueStart, end) => {
            if (field > KNOWN_FIELDS)
                return;
            const wantVarint = VARINT_FIELDS.has(field);
            const ok = field === 13 ? wire === 0 || wire === 2 : wire === (wantVarint ? 0 : 2);
            if (!ok)
                throw notProfile(raw, `field ${field} has wire type ${wire}`);
            // Counted before anything is decoded: over budget, nothing big is ever allocated.
            const counted = BUDGET_FIELDS[field];
            if (counted && ++counts[counted] > budget[counted]) {
                throw new ProfileError(`over budget: more than ${budget[counted].toLocaleString('en-US')} ${counted} in one profile ` +
                    '(no real Go profile has that many; the service served something else)');
            }
            if (field === 2)
                samples.push(valueStart, end);
            else {
                keep.push({ field, wire, start, valueStart, end });
                keptBytes += end - start;
            }
        });
    }
    catch (err) {
        if (!(err instanceof FramingError))
            throw err;
        throw err.truncated
            ? new ProfileError(`truncated pprof profile: ${err.message}`)
            : notProfile(raw, err.message);
    }
    const rest = new Uint8Array(keptBytes);
    let at = 0;
    for (const f of keep) {
        rest.set(raw.subarray(f.start, f.end), at);
        at += f.end - f.start;
    }
    return { rest, samples };
}
/** Where each Sample message's value is in the raw profile: start and end offsets, pairwise. */
class SampleRanges {
    count = 0;
    bounds = new Int32Array(2048);
    push(start, end) {
        if (2 * this.count === this.bounds.length) {
            const grown = new Int32Array(this.bounds.length * 2);
            grown.set(this.bounds);
            this.bounds = grown;
        }
        this.bounds[2 * this.count] = start;
        this.bounds[2 * this.count + 1] = end;
        this.count++;
    }
}
/** "not a pprof profile", with the start of the input when it is text (an HTML error page, say). */
function notProfile(buf, why) {
    const head = buf.subarray(0, 40);
    const printable = head.every((b) => b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127));
    const text = printable
        ? ` (input looks like text: ${JSON.stringify(Buffer.from(head).toString('latin1'))})`
        : '';
    return new ProfileError(`not a pprof profile: ${why}${text}`);
}

const EMPTY_STACK = Object.freeze([]);
const EMPTY_LOCATIONS = new Int32Array(0);
const EMPTY_LABELS$1 = Object.freeze({});
/** A sample of a decoded profile: immutable; everything is read from the profile's columns. */
class DecodedSample {
    #columns;
    #index;
    constructor(columns, index) {
        this.#columns = columns;
        this.#index = index;
    }
    get labels() {
        return this.#columns.labels?.[this.#index] ?? EMPTY_LABELS$1;
    }
    get numLabels() {
        return this.#columns.numLabels?.[this.#index];
    }
    /** A new array on every read. */
    get values() {
        const { values, nTypes } = this.#columns;
        const out = new Array(nTypes);
        for (let i = 0, at = this.#index * nTypes; i < nTypes; i++)
            out[i] = values[at + i];
        return out;
    }
    get locations() {
        const { locs, offsets } = this.#columns;
        const start = offsets[this.#index];
        const end = offsets[this.#index + 1];
        return start === end ? EMPTY_LOCATIONS : locs.subarray(start, end);
    }
    /** A new array on every read (but for one-location stacks, which share the location's frames). */
    get stack() {
        const { locs, offsets, table } = this.#columns;
        const start = offsets[this.#index];
        const end = offsets[this.#index + 1];
        if (start === end)
            return EMPTY_STACK;
        if (end - start === 1)
            return table[locs[start]].frames;
        let n = 0;
        for (let p = start; p < end; p++)
            n += table[locs[p]].frames.length;
        const out = new Array(n);
        let o = 0;
        for (let p = start; p < end; p++) {
            const frames = table[locs[p]].frames;
            for (let j = 0; j < frames.length; j++)
                out[o++] = frames[j];
        }
        return out;
    }
    /** What JSON.stringify showed of a sample when it was a plain object. */
    toJSON() {
        const { stack, values, labels, numLabels } = this;
        return numLabels ? { stack, values, labels, numLabels } : { stack, values, labels };
    }
}
// Keyed by the decoded profile and by its samples array once made (frozen),
// so a profile copied with {...profile} keeps the fast path and one whose
// samples were filtered falls back to reading each sample.
const registry = new WeakMap();
/**
 * Gives a decoded profile its columns, and `samples` made from them on first
 * read: a diff of two large profiles reads only the columns and never makes
 * the 60k sample objects of each.
 */
function attachColumns(profile, columns) {
    registry.set(profile, columns);
    let samples;
    Object.defineProperty(profile, 'samples', {
        enumerable: true,
        configurable: false,
        get() {
            if (!samples) {
                const count = columns.offsets.length - 1;
                const made = new Array(count);
                for (let i = 0; i < count; i++)
                    made[i] = new DecodedSample(columns, i);
                samples = Object.freeze(made);
                registry.set(samples, columns);
            }
            return samples;
        },
    });
}
/**
 * A profile's samples as columns: the decoded ones when it is a decoded
 * profile (or has its samples), else built from each sample's stack (one
 * location per distinct Frame) and values.
 */
function sampleColumns(profile) {
    const nTypes = profile.sampleTypes.length;
    const known = registry.get(profile) ?? registry.get(profile.samples);
    if (known && known.nTypes === nTypes)
        return known;
    const samples = profile.samples;
    const table = [];
    const byFrame = new Map();
    const offsets = new Int32Array(samples.length + 1);
    const values = new Float64Array(samples.length * nTypes);
    const ids = [];
    for (let si = 0; si < samples.length; si++) {
        const sample = samples[si];
        for (const frame of sample.stack) {
            let i = byFrame.get(frame);
            if (i === undefined) {
                i = table.length;
                table.push({ id: i + 1, address: frame.address, frames: [frame] });
                byFrame.set(frame, i);
            }
            ids.push(i);
        }
        offsets[si + 1] = ids.length;
        const vs = sample.values;
        for (let t = 0; t < nTypes; t++)
            values[si * nTypes + t] = vs[t] ?? 0;
    }
    return { table, locs: Int32Array.from(ids), offsets, values, nTypes };
}

// The samples of a pprof profile, read straight from the protobuf bytes into
// columns (stacks.ts's SampleColumns): most of a profile's bytes, so no
// intermediate objects.
const EMPTY_LABELS = Object.freeze({});
/**
 * Location indexes by id. Go numbers locations 1..n, so an array indexed by id
 * is the fast path; ids that are large or sparse go to a Map.
 */
class IdIndex {
    #dense = [];
    #sparse = new Map();
    set(id, index) {
        const dense = this.#dense;
        // Grown by push: a store far past the end would turn the array into a slow dictionary.
        if (Number.isInteger(id) && id >= 0 && id < dense.length + 1024) {
            while (dense.length < id)
                dense.push(-1);
            dense[id] = index;
        }
        else
            this.#sparse.set(id, index);
    }
    get(id) {
        const i = this.#dense[id];
        return i !== undefined && i >= 0 ? i : this.#sparse.get(id);
    }
}
/** Labels shared by every sample that has the same ones (Go heap samples repeat a few "bytes" values). */
class Interned {
    #seen = new Map();
    get(labels) {
        let key = '';
        for (const k in labels)
            key += `${k}\0${String(labels[k])}\0`;
        const seen = this.#seen.get(key);
        if (seen)
            return seen;
        const frozen = Object.freeze(labels);
        this.#seen.set(key, frozen);
        return frozen;
    }
}
/**
 * Reads Sample messages (location_id = 1, value = 2, label = 3) straight into
 * columns: the location indexes of all stacks in one Int32Array (counted
 * first, so it is allocated once at its size), all values in one
 * Float64Array, labels interned.
 *
 * One long loop on purpose (over 80 lines): it is the decoder's hot path, and
 * helpers per field cost a call and a closure per varint on 60k-sample profiles.
 */
function decodeSamples(raw, ranges, nTypes, table, indexOf, strings) {
    const count = ranges.count;
    const bounds = ranges.bounds;
    const offsets = new Int32Array(count + 1);
    let locs = new Int32Array(countLocationIds(raw, ranges));
    let nLocs = 0;
    const values = new Float64Array(count * nTypes);
    // The samples point at this; locs is final once every sample is read.
    const columns = {
        table,
        locs,
        offsets,
        values,
        nTypes,
    };
    let labelsOf;
    let numLabelsOf;
    const textLabels = new Interned();
    const numberLabels = new Interned();
    // Go heap samples have one numeric label ("bytes"): those are shared without building an object each.
    const oneNumber = new Map();
    let scratch = new Float64Array(Math.max(8, nTypes));
    const r = new Reader(raw);
    const bad = (si, why) => new ProfileError(`malformed pprof profile: sample ${si}: ${why}`);
    const str = (i, si, what) => {
        const s = strings[i];
        if (s === undefined)
            throw new ProfileError(`missing string table entry ${i} (${what} of sample ${si})`);
        return s;
    };
    for (let si = 0; si < count; si++) {
        const end = bounds[2 * si + 1];
        r.pos = bounds[2 * si];
        let nValues = 0;
        let text;
        let numLabels;
        let nNumeric = 0;
        let firstKey = 0;
        let firstNum = 0;
        while (r.pos < end) {
            const tag = r.uvarint();
            if (tag <= 0)
                throw bad(si, 'bad field tag');
            const field = Math.floor(tag / 8);
            const wire = tag % 8;
            if ((field === 1 || field === 2) && (wire === 0 || wire === 2)) {
                // Repeated scalars: packed (wire 2) or one per tag (wire 0).
                let stop = end;
                if (wire === 2) {
                    const len = r.uvarint();
                    stop = r.pos + len;
                    if (len < 0 || stop > end)
                        throw bad(si, `field ${field} overruns the sample`);
                }
                do {
                    if (field === 1) {
                        const id = r.uvarint();
                        if (id < 0 || r.pos > stop)
                            throw bad(si, 'bad location id');
                        const index = indexOf.get(id);
                        if (index === undefined) {
                            throw new ProfileError(`location ${id} referenced by sample but not defined`);
                        }
                        if (nLocs === locs.length) {
                            // Only when the count missed some (it does not on a well-formed profile).
                            const grown = new Int32Array(Math.max(1024, locs.length * 2));
                            grown.set(locs);
                            locs = grown;
                        }
                        locs[nLocs++] = index;
                    }
                    else {
                        const v = r.int64();
                        if (v === undefined || r.pos > stop)
                            throw bad(si, 'bad value');
                        if (nValues === scratch.length) {
                            const grown = new Float64Array(scratch.length * 2);
                            grown.set(scratch);
                            scratch = grown;
                        }
                        scratch[nValues++] = v;
                    }
                } while (wire === 2 && r.pos < stop);
            }
            else if (field === 3 && wire === 2) {
                const len = r.uvarint();
                const stop = r.pos + len;
                if (len < 0 || stop > end)
                    throw bad(si, 'label overruns the sample');
                let key = 0;
                let strIdx = 0;
                let num = 0;
                while (r.pos < stop) {
                    const t = r.uvarint();
                    if (t <= 0 || t % 8 !== 0)
                        throw bad(si, 'bad label field');
                    // num (3) is an int64; key (1), str (2) and num_unit (4) are string indexes.
                    const v = t === 24 ? r.int64() : r.uvarint();
                    if (v === undefined || (t !== 24 && v < 0))
                        throw bad(si, 'bad label value');
                    if (t === 8)
                        key = v;
                    else if (t === 16)
                        strIdx = v;
                    else if (t === 24)
                        num = v;
                }
                const k = str(key, si, 'label key');
                if (strIdx !== 0) {
                    // pprof allows repeated keys; Go writes one value per key. Keep the first.
                    text ??= {};
                    if (!(k in text))
                        text[k] = str(strIdx, si, 'label value');
                }
                else if (nNumeric++ === 0) {
                    firstKey = key;
                    firstNum = num;
                }
                else {
                    numLabels ??= { [str(firstKey, si, 'label key')]: firstNum };
                    if (!(k in numLabels))
                        numLabels[k] = num;
                }
            }
            else {
                skip(r, wire, end, () => bad(si, `bad field ${field}`));
            }
        }
        if (nValues !== nTypes) {
            throw new ProfileError(`sample ${si} has ${nValues} values, expected ${nTypes} (one per sample type)`);
        }
        values.set(scratch.subarray(0, nTypes), si * nTypes);
        let numeric;
        if (numLabels)
            numeric = numberLabels.get(numLabels);
        else if (nNumeric === 1) {
            let byValue = oneNumber.get(firstKey);
            if (!byValue)
                oneNumber.set(firstKey, (byValue = new Map()));
            numeric = byValue.get(firstNum);
            if (!numeric) {
                numeric = numberLabels.get({ [str(firstKey, si, 'label key')]: firstNum });
                byValue.set(firstNum, numeric);
            }
        }
        if (text) {
            labelsOf ??= new Array(count).fill(EMPTY_LABELS);
            labelsOf[si] = textLabels.get(text);
        }
        if (numeric) {
            numLabelsOf ??= new Array(count).fill(undefined);
            numLabelsOf[si] = numeric;
        }
        offsets[si + 1] = nLocs;
    }
    columns.locs = nLocs === locs.length ? locs : locs.slice(0, nLocs);
    if (labelsOf)
        columns.labels = labelsOf;
    if (numLabelsOf)
        columns.numLabels = numLabelsOf;
    return columns;
}
/**
 * How many location ids the samples hold, to size their column once: a
 * packed id ends at each byte below 0x80. A malformed sample is left to the
 * decoder, which says what is wrong with it.
 */
function countLocationIds(raw, ranges) {
    const r = new Reader(raw);
    let n = 0;
    for (let si = 0; si < ranges.count; si++) {
        const end = ranges.bounds[2 * si + 1];
        r.pos = ranges.bounds[2 * si];
        while (r.pos < end) {
            const tag = r.uvarint();
            if (tag <= 0)
                break;
            const wire = tag % 8;
            if (wire === 0) {
                if (r.uvarint() < 0)
                    break;
                if (tag === 8)
                    n++;
            }
            else if (wire === 2) {
                const len = r.uvarint();
                if (len < 0 || r.pos + len > end)
                    break;
                if (tag === 10)
                    for (let p = r.pos, stop = r.pos + len; p < stop; p++)
                        n += raw[p] < 0x80 ? 1 : 0;
                r.pos += len;
            }
            else
                break;
        }
    }
    return n;
}
function skip(r, wire, end, bad) {
    if (wire === 0) {
        if (r.uvarint() < 0)
            throw bad();
    }
    else if (wire === 2) {
        const len = r.uvarint();
        if (len < 0)
            throw bad();
        r.pos += len;
    }
    else if (wire === 1)
        r.pos += 8;
    else if (wire === 5)
        r.pos += 4;
    else
        throw bad();
    if (r.pos > end)
        throw bad();
}

function int(v) {
    return typeof v === 'number' ? v : Number(BigInt.asIntN(64, v));
}
function uint(v) {
    return typeof v === 'number' ? v : Number(BigInt.asUintN(64, v));
}
function resolve(pb, raw, sampleRanges) {
    const strings = pb.stringTable?.strings ?? [];
    if (strings.length === 0)
        throw new ProfileError('not a pprof profile: no string table');
    if (strings[0] !== '')
        throw new ProfileError('not a pprof profile: string table entry 0 is not empty');
    const str = (i, what) => {
        const n = int(i);
        const s = strings[n];
        if (s === undefined)
            throw new ProfileError(`missing string table entry ${n} (${what})`);
        return s;
    };
    const valueType = (v, what) => ({
        type: str(v.type, `${what} type`),
        unit: str(v.unit, `${what} unit`),
    });
    const sampleTypes = pb.sampleType.map((v, i) => valueType(v, `sample type ${i}`));
    if (sampleTypes.length === 0)
        throw new ProfileError('not a pprof profile: no sample types');
    const { funcs, distinct } = functionTable(pb, str);
    const { table, indexOf } = locationTable(pb, funcs, distinct);
    const columns = decodeSamples(raw, sampleRanges, sampleTypes.length, table, indexOf, strings);
    const profile = {
        sampleTypes,
        samples: [], // replaced by attachColumns
        locations: table,
        period: int(pb.period),
        timeNanos: int(pb.timeNanos),
        durationNanos: int(pb.durationNanos),
    };
    if (pb.periodType)
        profile.periodType = valueType(pb.periodType, 'period type');
    const dst = int(pb.defaultSampleType);
    if (dst !== 0)
        profile.defaultSampleType = str(dst, 'default sample type');
    if (pb.comment.length > 0)
        profile.comments = pb.comment.map((c) => str(c, 'comment'));
    const main = pb.mapping[0];
    if (main) {
        const file = str(main.filename, 'mapping filename');
        const build = str(main.buildId, 'mapping build id');
        if (file)
            profile.mainBinary = file;
        if (build)
            profile.buildId = build;
    }
    attachColumns(profile, columns);
    return profile;
}
/** One Func object per distinct function, so aggregation can key on identity; by id, and how many distinct. */
function functionTable(pb, str) {
    const funcs = new Map();
    const interned = new Map();
    for (const f of pb.function) {
        const id = uint(f.id);
        // Which of two functions a location means would be a guess; pprof's CheckValid rejects it too.
        const prior = funcs.get(id);
        if (prior) {
            throw new ProfileError(`function ${id} defined twice (${prior.name}, ${str(f.name, `function ${id} name`)})`);
        }
        const func = Object.freeze({
            name: str(f.name, `function ${id} name`),
            systemName: str(f.systemName, `function ${id} system name`),
            filename: str(f.filename, `function ${id} filename`),
            startLine: int(f.startLine),
            index: interned.size,
        });
        const key = `${func.name}\0${func.systemName}\0${func.filename}\0${func.startLine}`;
        const same = interned.get(key);
        if (same)
            funcs.set(id, same);
        else {
            interned.set(key, func);
            funcs.set(id, func);
        }
    }
    return { funcs, distinct: interned.size };
}
/** The location table, in the order the profile defines locations (samples hold indexes into it), and each id's index. */
function locationTable(pb, funcs, distinct) {
    const table = [];
    const indexOf = new IdIndex();
    const unsymbolized = new Map();
    for (const loc of pb.location) {
        const id = uint(loc.id);
        if (indexOf.get(id) !== undefined)
            throw new ProfileError(`location ${id} defined twice`);
        const address = uint(loc.address);
        // Go's runtime/pprof (and pprof's profile package) write an inlined call as
        // one location whose line[] runs from the innermost inlined callee to the
        // function it was inlined into: line[0] is the leaf, the last line is the
        // physical caller. Our stacks are leaf first, so line order is frame order.
        // Checked on test/fixtures/profiles/goroutine.pb.gz, where one location holds
        // internal/sync.(*Mutex).Lock, sync.(*Mutex).Lock, main.parkGoroutines.func5.
        const frames = [];
        const n = loc.line.length;
        for (let i = 0; i < n; i++) {
            const line = loc.line[i];
            const fid = uint(line.functionId);
            const func = funcs.get(fid);
            if (!func)
                throw new ProfileError(`function ${fid} referenced by location ${id} but not defined`);
            const frame = { func, line: int(line.line), address };
            if (i < n - 1)
                frame.inlined = true;
            frames.push(Object.freeze(frame));
        }
        if (n === 0) {
            // Unsymbolized: pprof names such a node by its address.
            let func = unsymbolized.get(address);
            if (!func) {
                const index = distinct + unsymbolized.size;
                func = Object.freeze({
                    name: `0x${address.toString(16)}`,
                    systemName: '',
                    filename: '',
                    startLine: 0,
                    index,
                });
                unsymbolized.set(address, func);
            }
            frames.push(Object.freeze({ func, line: 0, address }));
        }
        indexOf.set(id, table.length);
        table.push(Object.freeze({ id, address, frames: Object.freeze(frames) }));
    }
    Object.freeze(table);
    return { table, indexOf };
}

// Decoding a pprof profile: gunzip within a size cap, the top level checked and
// split (framing.ts), the rest decoded by pprof-format, and the resolved model
// built (resolve.ts) with the samples read directly (samples.ts).
const DEFAULT_MAX_DECOMPRESSED_BYTES = 256 * 1024 * 1024;
/**
 * Decodes a pprof profile (gzipped or not) into the resolved model of types.ts.
 * Every failure is a ProfileError with a one-line message.
 *
 * pprof-format decodes everything but the samples. Samples are most of a
 * profile's bytes and pprof-format allocates a Buffer view per varint there
 * (a 60k-sample heap profile took ~90% of its decode time in them), so they
 * are read here straight into stacks, with no intermediate objects.
 */
function decodeProfile(bytes, opts = {}) {
    if (bytes.length === 0)
        throw new ProfileError('not a pprof profile: empty input');
    const raw = isGzip(bytes)
        ? gunzip(bytes, opts.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES)
        : bytes;
    if (raw.length === 0)
        throw new ProfileError('not a pprof profile: empty after gunzip');
    const { rest, samples } = splitTopLevel(raw, { ...DEFAULT_BUDGET, ...opts.budget });
    let pb;
    try {
        pb = Profile.decode(rest);
    }
    catch (err) {
        throw new ProfileError(`not a pprof profile: ${errorText(err)}`, { cause: err });
    }
    try {
        return resolve(pb, raw, samples);
    }
    catch (err) {
        if (err instanceof ProfileError)
            throw err;
        // A malformed nested message can surface as a TypeError deep in the resolver.
        throw new ProfileError(`malformed pprof profile: ${errorText(err)}`, { cause: err });
    }
}
function isGzip(bytes) {
    return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}
function gunzip(bytes, max) {
    try {
        return gunzipSync(bytes, { maxOutputLength: max });
    }
    catch (err) {
        const code = err.code;
        if (code === 'ERR_BUFFER_TOO_LARGE') {
            throw new ProfileError(`decompressed size exceeds ${formatExactBytes(max)}`, { cause: err });
        }
        if (code === 'Z_BUF_ERROR')
            throw new ProfileError('truncated gzip', { cause: err });
        throw new ProfileError(`corrupt gzip: ${errorText(err)}`, { cause: err });
    }
}
function errorText(err) {
    return err instanceof Error ? err.message : String(err);
}

/** Footer names that map onto a MemStats field. */
const FIELDS = {
    Alloc: 'alloc',
    TotalAlloc: 'totalAlloc',
    Sys: 'sys',
    Mallocs: 'mallocs',
    Frees: 'frees',
    HeapAlloc: 'heapAlloc',
    HeapSys: 'heapSys',
    HeapIdle: 'heapIdle',
    HeapInuse: 'heapInuse',
    HeapReleased: 'heapReleased',
    HeapObjects: 'heapObjects',
    StackInuse: 'stackInuse',
    StackSys: 'stackSys',
    MSpanInuse: 'mSpanInuse',
    MSpanSys: 'mSpanSys',
    MCacheInuse: 'mCacheInuse',
    MCacheSys: 'mCacheSys',
    BuckHashSys: 'buckHashSys',
    GCSys: 'gcSys',
    OtherSys: 'otherSys',
    NextGC: 'nextGC',
    LastGC: 'lastGC',
    NumGC: 'numGC',
    NumForcedGC: 'numForcedGC',
    GCCPUFraction: 'gcCPUFraction',
    MaxRSS: 'maxRSS',
};
/** "# Stack = inuse / sys": runtime/pprof prints these three as pairs. */
const PAIRS = {
    Stack: ['StackInuse', 'StackSys'],
    MSpan: ['MSpanInuse', 'MSpanSys'],
    MCache: ['MCacheInuse', 'MCacheSys'],
};
const LINE = /^# (\w+) = (.*)$/;
const NUMBER = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;
/**
 * Reads the runtime.MemStats footer of /debug/pprof/heap?debug=1
 * ("# HeapInuse = 1234"). Arrays (PauseNs, PauseEnd) and booleans (DebugGC)
 * are skipped; "# Stack = a / b" gives StackInuse and StackSys.
 */
function parseMemStats(heapDebug1Text) {
    const raw = {};
    for (const line of heapDebug1Text.split('\n')) {
        if (line.charCodeAt(0) !== 35 /* # */)
            continue;
        const m = LINE.exec(line.trimEnd());
        if (!m)
            continue;
        const [, name, value] = m;
        const pair = PAIRS[name];
        if (pair) {
            const parts = value.split(' / ');
            if (parts.length === 2 && NUMBER.test(parts[0]) && NUMBER.test(parts[1])) {
                raw[pair[0]] = Number(parts[0]);
                raw[pair[1]] = Number(parts[1]);
            }
            continue;
        }
        if (NUMBER.test(value))
            raw[name] = Number(value);
    }
    if (Object.keys(raw).length === 0) {
        const start = heapDebug1Text.slice(0, 40);
        throw new ProfileError(`no runtime.MemStats footer ("# Name = value" lines) in heap?debug=1 text (starts with ${JSON.stringify(start)})`);
    }
    const stats = { raw };
    for (const [name, field] of Object.entries(FIELDS)) {
        const v = raw[name];
        if (v !== undefined)
            stats[field] = v;
    }
    return stats;
}

class SnapshotError extends Error {
    name = 'SnapshotError';
}
/** The sample types the analysis reads; it treats a missing one as zeros, so its absence must fail here. */
const TYPES = {
    heap: ['alloc_objects', 'alloc_space', 'inuse_objects', 'inuse_space'],
    goroutine: ['goroutine'],
    goroutineleak: [],
    cpu: ['samples'],
};
/**
 * Checks what decodes but cannot be what Go serves: a profile of another kind
 * (a CPU profile at the heap URL), negative live bytes or counts, values past
 * 2^53 (9 PB; beyond that a double no longer counts bytes exactly). Any of these
 * would silently turn into a wrong verdict.
 */
function checkProfile(p, kind, types) {
    const has = p.sampleTypes.map((t) => t.type);
    const missing = types.filter((t) => !has.includes(t));
    if (missing.length > 0) {
        return `not a ${kind} profile: no ${missing.join(', ')} sample type (has: ${has.join(', ') || 'none'})`;
    }
    for (let si = 0; si < p.samples.length; si++) {
        const values = p.samples[si].values;
        for (let vi = 0; vi < values.length; vi++) {
            const v = values[vi];
            if (v >= 0 && v <= Number.MAX_SAFE_INTEGER)
                continue;
            const where = `${has[vi]} of sample ${si} (${p.samples[si].stack[0]?.func.name ?? 'no stack'})`;
            return v < 0
                ? `negative ${where}: ${v}; a ${kind} profile counts what exists, it cannot be negative`
                : `${where} is ${v.toExponential(2)}, beyond any real ${kind} profile (over 2^53)`;
        }
    }
    return undefined;
}
/** Decodes and checks one profile a snapshot holds; `what` ("head snapshot S3 heap profile") prefixes any error. */
function decodeSnapshotProfile(bytes, what, kind, opts = {}) {
    let profile;
    try {
        profile = decodeProfile(bytes, { maxDecompressedBytes: opts.maxProfileBytes });
    }
    catch (error) {
        const text = error.message;
        // Say which knob it is: a genuine profile that large needs the cap raised, a bomb does not.
        const knob = text.startsWith('decompressed size exceeds') ? ' (the max-profile-size input)' : '';
        throw new SnapshotError(`${what}: ${text}${knob}`);
    }
    const problem = checkProfile(profile, kind, TYPES[kind]);
    if (problem)
        throw new SnapshotError(`${what}: ${problem}`);
    return profile;
}
/** The runtime's text endpoints, named like the profiles when they cannot be read. */
function parseNamed(parse, text, what) {
    try {
        return parse(text);
    }
    catch (error) {
        throw new SnapshotError(`${what}: ${error.message}`);
    }
}
function decodeSnapshot(side, s, opts) {
    const where = `${side} snapshot ${s.label}`;
    return {
        label: s.label,
        elapsedMs: s.elapsedMs,
        requests: s.requests,
        errors: s.errors,
        heap: decodeSnapshotProfile(s.heap, `${where} heap profile`, 'heap', opts),
        goroutines: s.goroutine
            ? decodeSnapshotProfile(s.goroutine, `${where} goroutine profile`, 'goroutine', opts)
            : undefined,
        memstats: s.heapText ? parseNamed(parseMemStats, s.heapText, `${where} heap?debug=1 text`) : undefined,
        rssBytes: s.process?.rssBytes,
        openFds: s.process?.openFds,
    };
}
function decodeSide(m, opts = {}) {
    return {
        side: m.side,
        snapshots: m.snapshots.map((s) => decodeSnapshot(m.side, s, opts)),
        settled: decodeSnapshot(m.side, m.settled, opts),
        load: m.load,
        goroutineDump: m.goroutineDump
            ? parseNamed(parseGoroutineDump, m.goroutineDump, `${m.side} goroutine dump (goroutine?debug=2)`)
            : undefined,
        goroutineLeak: m.goroutineLeak
            ? decodeSnapshotProfile(m.goroutineLeak, `${m.side} goroutineleak profile`, 'goroutineleak', opts)
            : undefined,
        cpu: m.cpuProfile ? decodeSnapshotProfile(m.cpuProfile, `${m.side} CPU profile`, 'cpu', opts) : undefined,
        runtimeEnv: m.runtimeEnv,
        ...(m.finish ? { trendAlpha: m.finish.trendAlpha } : {}),
        ...(m.finish?.reason === 'memory-budget' ? { budgetStop: m.finish.why } : {}),
    };
}
/** A side's outcome with its measurement decoded, for analyse(); problems pass through as they are. */
function decodeOutcome(outcome, opts = {}) {
    const m = outcome.measurement;
    const measurement = m && {
        data: decodeSide(m, opts),
        problems: m.problems ?? [],
        loadProblems: m.loadProblems ?? [],
    };
    // Same kind, same record; only the measurement changes form (a `measured` one always has one).
    return { ...outcome, measurement };
}

// Escaping for text that comes from the PR's code (function names, file paths,
// service log lines) or from an untrusted report artifact. GitHub renders a
// comment in two passes: CommonMark/GFM first, then filters over the HTML text
// (mentions, issue references, math). Backslash escapes only defeat the first
// pass, so the second is defeated by a zero-width space or by splitting the
// text node; code spans and code blocks are skipped by both passes.
/** A zero-width space, as an entity so it is visible in the Markdown source. */
const ZWSP = '&#8203;';
/** Longest run of consecutive backticks in text. */
function longestBacktickRun(text) {
    let longest = 0;
    for (const run of text.match(/`+/g) ?? [])
        longest = Math.max(longest, run.length);
    return longest;
}
/**
 * Shortens text to at most max characters by cutting its middle: the start of a
 * function name (package) and the end of a path (file name) carry the meaning.
 */
function truncateMiddle(text, max) {
    const chars = Array.from(text);
    if (chars.length <= max)
        return text;
    if (max <= 1)
        return '…'.slice(0, max);
    const head = Math.ceil((max - 1) / 2);
    const tail = max - 1 - head;
    return chars.slice(0, head).join('') + '…' + (tail > 0 ? chars.slice(-tail).join('') : '');
}
/** Control characters (except tab) and Unicode line/paragraph separators. */
// eslint-disable-next-line no-control-regex
const CONTROL$1 = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/g;
/** Collapses text to one line: a newline would end a table row or a code span. */
function oneLine(text) {
    return text.replace(/\r\n|\r|\n|\t/g, ' ').replace(CONTROL$1, '');
}
/**
 * What must change in inline text: Markdown punctuation that opens emphasis, code,
 * links, images, tables or strikethrough; `<` that could open a tag, a comment or an
 * autolink; `&` that would start an entity; and the sigils of GitHub's post-render filters.
 */
const INLINE = /[\\`*_[\]|~$@]|<(?=[A-Za-z/!?])|&(?=#?\w+;)|#(?=\d)|(?<=\bGH)-(?=\d)|:(?=\/\/)|(?<=\bwww)\./gi;
/**
 * Plain inline text that renders exactly as given: no mention, issue reference,
 * link, image, autolink, HTML tag or comment, emphasis, math, heading, list, quote.
 * Newlines become spaces (inline text must not start a new block).
 */
function escapeMarkdown(text, opts = {}) {
    const max = opts.max ?? 300;
    let s = oneLine(String(text));
    if (max > 0)
        s = truncateMiddle(s, max);
    s = s.replace(INLINE, (c) => {
        switch (c) {
            case '<':
                return '&lt;';
            case '&':
                return '&amp;';
            // GitHub's math filter runs on rendered text: a lone $ in its own span is never a delimiter.
            case '$':
                return '<span>$</span>';
            // Mentions (@user, @org/team), issue references (#12, GH-12) and autolinks
            // (https://x, www.x) are found in the rendered text, where backslashes are
            // gone: a zero-width space breaks each pattern and stays invisible.
            case '@':
            case '#':
            case '-':
            case ':':
                return c + ZWSP;
            case '.':
                return ZWSP + c;
            default:
                return '\\' + c;
        }
    });
    // Block syntax only counts at the start of a line: a heading, quote, list item,
    // setext underline or thematic break if the caller puts the text there.
    return s
        .replace(/^(?:#{1,6}(?=\s|$)|[+-](?=\s|$)|[=-]+\s*$|>)/, (m) => (m === '>' ? '&gt;' : '\\' + m))
        .replace(/^(\d{1,9})(?=[.)](?:\s|$))/, '$1\\');
}
/**
 * Text inside raw HTML (a `<summary>`), where Markdown is not parsed but
 * entities are, and the mention filter still runs.
 */
function escapeHtml(text, opts = {}) {
    const max = opts.max ?? 300;
    let s = oneLine(String(text));
    if (max > 0)
        s = truncateMiddle(s, max);
    return s.replace(/[&<>"'`$]|[@#]|(?<=\bGH)-(?=\d)|:(?=\/\/)|(?<=\bwww)\./gi, (c) => {
        if (c === '.')
            return ZWSP + c;
        if (c === '@' || c === '#' || c === ':' || c === '-')
            return c + ZWSP;
        return `&#${c.charCodeAt(0)};`;
    });
}
/**
 * A code span that shows text verbatim. The fence is one backtick longer than any
 * run inside, padded with spaces when the text starts or ends with a backtick or a
 * space (CommonMark strips one space each side). In a table, `|` is escaped: GFM
 * splits cells before it parses code spans and turns `\|` back into `|`.
 */
function codeSpan(text, opts = {}) {
    const max = opts.max ?? 300;
    let s = oneLine(String(text));
    if (max > 0)
        s = truncateMiddle(s, max);
    if (s === '')
        return '` `';
    const fence = '`'.repeat(longestBacktickRun(s) + 1);
    const pad = /^[` ]|[` ]$/.test(s) ? ' ' : '';
    // `\\|` would be read as an escaped backslash and a cell boundary: a real (invisible)
    // zero-width space keeps a backslash that precedes a pipe away from it.
    if (opts.table)
        s = s.replace(/\\(?=\|)/g, '\\\u200b').replace(/\|/g, '\\|');
    return fence + pad + s + pad + fence;
}
/**
 * A fenced code block (its own block: the caller surrounds it with blank lines).
 * The fence is longer than any backtick run inside, so no line can close it early.
 */
function codeBlock(text, lang = '') {
    const body = String(text)
        .replace(/\r\n|\r/g, '\n')
        .replace(CONTROL$1, '');
    const fence = '`'.repeat(Math.max(3, longestBacktickRun(body) + 1));
    const info = lang.replace(/[^A-Za-z0-9_+-]/g, '');
    return `${fence}${info}\n${body}${body.endsWith('\n') || body === '' ? '' : '\n'}${fence}`;
}
/**
 * A link whose text is escaped and whose URL is one we built from trusted parts;
 * refuses anything but http(s) so no `javascript:` or data URL is ever emitted.
 */
function safeUrl(url) {
    if (!url)
        return undefined;
    let parsed;
    try {
        parsed = new URL(url);
    }
    catch {
        return undefined;
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
        return undefined;
    // Percent-encode what would end or confuse a Markdown link destination.
    return parsed.href.replace(/[()<>\s"'`\\]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0'));
}

/** Snapshot labels become chart categories: letters and digits only, so nothing can escape the quotes. */
function label$1(text, i) {
    const clean = text.replace(/[^A-Za-z0-9_.-]/g, '').slice(0, 12);
    return clean || `#${i}`;
}
function scale(maxBytes) {
    if (maxBytes >= 1024 * 1024 * 1024)
        return { unit: 'GiB', div: 1024 ** 3 };
    if (maxBytes >= 1024 * 1024)
        return { unit: 'MiB', div: 1024 ** 2 };
    return { unit: 'KiB', div: 1024 };
}
function round(value) {
    if (!Number.isFinite(value))
        return '0';
    const abs = Math.abs(value);
    return String(abs >= 100 ? Math.round(value) : abs >= 10 ? Math.round(value * 10) / 10 : Math.round(value * 100) / 100);
}
/** Base line grey, head line red: xychart has no legend, the caption names them. */
const PALETTE = '#8b949e, #cf222e';
const MAX_POINTS = 40;
function heapChart(head, base) {
    const h = head.heapSeries.slice(0, MAX_POINTS);
    if (h.length === 0)
        return undefined;
    let b = base?.heapSeries.slice(0, MAX_POINTS);
    // Both sides follow the same schedule; if they do not line up, draw what they share.
    const n = b && b.length > 0 ? Math.min(h.length, b.length) : h.length;
    const hs = h.slice(0, n);
    if (b && b.length === 0)
        b = undefined;
    const bs = b?.slice(0, n);
    const all = [...hs, ...(bs ?? [])].map((p) => p.inuseBytes).filter(Number.isFinite);
    const { unit, div } = scale(Math.max(0, ...all));
    const values = (series) => series.map((p) => round(p.inuseBytes / div));
    const labels = hs.map((p, i) => label$1(p.label, i));
    const text = `Live heap (${unit}) at ${labels.join(', ')} — ` +
        [bs ? `base: ${values(bs).join(', ')}` : undefined, `head: ${values(hs).join(', ')}`]
            .filter(Boolean)
            .join(' · ');
    if (n < 2)
        return { text };
    const top = Math.max(...all.map((v) => v / div), 0.01) * 1.15;
    const lines = [
        `%%{init: {"themeVariables": {"xyChart": {"plotColorPalette": "${bs ? PALETTE : PALETTE.split(', ')[1]}"}}}}%%`,
        'xychart-beta',
        `  title "Live heap after GC, ${bs ? 'base (grey) vs head (red)' : 'head'}"`,
        `  x-axis [${labels.map((l) => `"${l}"`).join(', ')}]`,
        `  y-axis "${unit}" 0 --> ${round(top)}`,
    ];
    if (bs)
        lines.push(`  line [${values(bs).join(', ')}]`);
    lines.push(`  line [${values(hs).join(', ')}]`);
    return { mermaid: codeBlock(lines.join('\n'), 'mermaid'), text };
}

// The sticky comment's identity: the hidden first line that finds it again, from
// the comment id (the input, or the job and package).
/** A comment id reduced to characters that cannot end an HTML comment or the line. */
function safeCommentId(id) {
    return (String(id)
        .replace(/[^A-Za-z0-9._:/@+=-]/g, '_')
        .replace(/-{2,}/g, '-')
        .slice(0, 100) || 'default');
}
/** The hidden first line that identifies our sticky comment. */
function commentMarker(id) {
    return `<!-- memleak-action:${safeCommentId(id)} -->`;
}

// Where a frame's file lives in the repository. pprof reports a file either as an
// absolute path on the machine that built it (under the workspace, or under the
// base's worktree) or, built with -trimpath, as `<module path>/<dir>/<file>.go`.
function normaliseDir(dir) {
    const n = posix.normalize(dir.replace(/\\/g, '/')).replace(/\/+$/, '');
    return n === '' ? '/' : n;
}
/** A repository-relative path, or undefined when it would leave the repository. */
function inside$1(rel) {
    const n = posix.normalize(rel.replace(/\\/g, '/')).replace(/^(\.\/)+/, '');
    if (n === '' || n === '.' || n.startsWith('../') || n === '..' || posix.isAbsolute(n))
        return undefined;
    return n;
}
/**
 * The file's path relative to the repository root, or undefined when it is not one
 * of the repository's files (the standard library, a dependency in the module cache).
 */
function repoRelativePath(file, layout) {
    if (!file)
        return undefined;
    const f = file.replace(/\\/g, '/');
    if (posix.isAbsolute(f)) {
        // Longest root first: a worktree may sit inside the workspace.
        const roots = [...(layout.roots ?? [])].map(normaliseDir).sort((a, b) => b.length - a.length);
        for (const root of roots) {
            const prefix = root === '/' ? '/' : `${root}/`;
            if (f.startsWith(prefix))
                return inside$1(f.slice(prefix.length));
        }
        return undefined;
    }
    const mod = layout.modulePath.replace(/\/+$/, '');
    if (mod && f.startsWith(`${mod}/`)) {
        const rest = f.slice(mod.length + 1);
        // A dependency whose path extends ours (example.com/app/v2) is another module.
        if (/^v\d+\//.test(rest) && !/\/v\d+$/.test(mod))
            return undefined;
        const wd = layout.workingDirectory.replace(/\\/g, '/');
        return inside$1(posix.join(wd === '' ? '.' : wd, rest));
    }
    return undefined;
}
/**
 * A short, readable form of a file that is not in the repository: the module
 * cache and GOROOT prefixes dropped (github.com/gin-gonic/gin@v1.9.1/context.go,
 * net/http/server.go); otherwise the last three segments.
 */
function shortForeignPath(file) {
    const f = file.replace(/\\/g, '/');
    const mod = f.lastIndexOf('/pkg/mod/');
    if (mod >= 0)
        return f.slice(mod + '/pkg/mod/'.length);
    // GOROOT (…/go/src/net/http/server.go, …/hostedtoolcache/go/1.26.0/x64/src/…):
    // standard library import paths have no dot in their first element.
    const src = f.lastIndexOf('/src/');
    if (src >= 0) {
        const rest = f.slice(src + '/src/'.length);
        const first = rest.split('/')[0];
        if (rest.includes('/') && !first.includes('.'))
            return rest;
    }
    if (!posix.isAbsolute(f))
        return f;
    const parts = f.split('/').filter(Boolean);
    return parts.length <= 3 ? f : `…/${parts.slice(-3).join('/')}`;
}
/** Repository-relative when possible, else the short foreign form. */
function displayPath(file, layout) {
    return repoRelativePath(file, layout) ?? shortForeignPath(file);
}

function renderContext(report) {
    const { meta } = report;
    const layout = {
        roots: meta.sourceRoots,
        workingDirectory: meta.workingDirectory,
        modulePath: meta.modulePath,
    };
    let blobBase;
    const server = safeUrl(meta.serverUrl);
    if (server &&
        meta.repository &&
        /^[\w.-]+\/[\w.-]+$/.test(meta.repository) &&
        meta.headSha &&
        /^[0-9a-f]{7,64}$/i.test(meta.headSha)) {
        blobBase = `${server.replace(/\/+$/, '')}/${meta.repository}/blob/${meta.headSha}/`;
    }
    return { report, layout, blobBase };
}
/**
 * A Go function name without its package's directory (github.com/x/svc/handlers.(*S).Get
 * -> handlers.(*S).Get); the full name is in the stack.
 */
function shortFunction(name) {
    const end = name.search(/[[(]/);
    const head = end < 0 ? name : name.slice(0, end);
    const slash = head.lastIndexOf('/');
    if (slash < 0)
        return name;
    const short = name.slice(slash + 1);
    // gopkg.in/yaml.v3 reaches the symbol table as yaml%2ev3: its package is yaml.
    const gopkg = /^([A-Za-z_]\w*)%2ev\d+(\..*)$/.exec(short);
    if (gopkg)
        return gopkg[1] + gopkg[2];
    // A major-version path (github.com/x/health-go/v5.(*Health).Measure) names its package by the
    // element before /vN, as goimports assumes: health.(*Health).Measure, not v5.(*Health).Measure.
    const major = /^v\d+\./.exec(short);
    if (!major)
        return short;
    const before = head.slice(0, slash);
    const pkg = assumedPackageName(before.slice(before.lastIndexOf('/') + 1));
    return pkg ? pkg + short.slice(major[0].length - 1) : short;
}
/** goimports' guess at a package's name from its last path element: go-yaml, health-go -> yaml, health. */
function assumedPackageName(element) {
    const trimmed = element.replace(/^go-/, '').replace(/[-.]go$/, '');
    return /^[A-Za-z_][\w]*/.exec(trimmed)?.[0] ?? '';
}
function fn(name, table = false) {
    return codeSpan(shortFunction(name), { max: 100, table });
}
function encodePath(path) {
    return path
        .split('/')
        .map((seg) => encodeURIComponent(seg).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase()))
        .join('/');
}
/** `path:line`, linked to the PR's file when it is one of the repository's files. */
function location(frame, ctx, table = false) {
    if (!frame)
        return '—';
    const line = Number.isInteger(frame.line) && frame.line > 0 ? frame.line : undefined;
    const shown = displayPath(frame.file, ctx.layout);
    const text = codeSpan(line ? `${shown}:${line}` : shown, { max: 120, table });
    const rel = repoRelativePath(frame.file, ctx.layout);
    if (!rel || !ctx.blobBase)
        return text;
    return `[${text}](${ctx.blobBase}${encodePath(rel)}${line ? `#L${line}` : ''})`;
}
/** file.go:42, for headlines. */
function shortLocation(frame) {
    if (!frame)
        return undefined;
    const base = frame.file.replace(/\\/g, '/').split('/').pop() || frame.file;
    return frame.line > 0 ? `${base}:${frame.line}` : base;
}
/**
 * Text that may quote code between single backticks (hints, summaries, notes):
 * the quoted parts become code spans, everything else is escaped.
 */
function proseToMarkdown(text, max = 1000) {
    const s = text.length > max ? text.slice(0, max - 1) + '…' : text;
    const parts = s.split(/`([^`\n]+)`/);
    return parts
        .map((part, i) => (i % 2 === 1 ? codeSpan(part, { max: 200 }) : escapeMarkdown(part, { max: 0 })))
        .join('');
}

// A finding's kind-specific facts (Finding.details, documented in the analysis
// contract) as one readable line: start/end/settled/peak of one quantity merged
// into "a → b", bytes in binary units, the analysis' internal bookkeeping left out.
/** Bookkeeping of the analysis, not facts for a reviewer (the rate and hint already say it). */
const HIDDEN = new Set([
    'hintRule',
    'scatter',
    'noiseFloor',
    'lateSlope',
    'memProfileRate',
    // Said in words by mappingCalls.
    'mappingCpuSamples',
    'mappingCpuShare',
    'mappingCpuShareOnBase',
    'dumpMatches',
    'waitReasonSource',
    'callerEvidence',
    'per1kRequests',
    'fdsPer1kRequests',
    'slopeLow',
    'slopeHigh',
    // Said in the finding's "Also" line.
    'heapRetainedPerRequest',
    'heapExplainedPerRequest',
    'harmPerRequest',
    'stackBytesPerGoroutine',
    'stackBytesPerRequest',
    'serverEnd',
    'serverEndGoroutines',
    'rssPerRequest',
]);
/** Base names (lower-cased, phase suffix removed) whose values are bytes. */
const BYTES = new Set([
    '',
    'rss',
    'heapinuse',
    'heapidle',
    'heapreleased',
    'heapsys',
    'stackinuse',
    'sys',
    'heapunreturned',
    'liveheapgrowth',
    'stackbytes',
    'heapretainedperrequest',
    'liveheapperrequest',
]);
const LABEL = {
    '': 'live heap at this site (fitted)',
    rss: 'RSS',
    count: 'goroutines',
    readLoop: 'readLoop goroutines',
    openFds: 'open fds',
    inuseObjects: 'live objects',
    heapUnreturned: 'heap not returned to the OS',
    liveHeapGrowth: 'live heap growth',
    heapRetainedPerRequest: 'heap retained per request',
};
function label(base) {
    if (LABEL[base])
        return LABEL[base];
    // Runtime names (HeapInuse, GOGC) keep their spelling; camelCase becomes words.
    if (/^[A-Z]/.test(base))
        return base;
    return base.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
}
function value$1(base, v, signed = false) {
    const lower = base.toLowerCase();
    if (lower === 'heapretainedperrequest')
        return `${formatSignedBytes(v)}/req`;
    if (BYTES.has(lower))
        return signed ? formatSignedBytes(v) : formatBytes(v);
    return formatCount(v);
}
/** `skipGroup`: a start/end group shown elsewhere (the evidence line's series). */
function detailParts(details, skipGroup) {
    const inline = [];
    const blocks = [];
    const groups = new Map();
    const order = [];
    for (const [key, v] of Object.entries(details)) {
        if (HIDDEN.has(key))
            continue;
        const m = /^(.*?)(Start|End|Settled|Peak)$/.exec(key);
        // "start"/"end" alone are the fitted bytes of a heap finding.
        const phaseKey = m ?? (/^(start|end|settled|peak)$/.exec(key) ? ['', '', key[0].toUpperCase() + key.slice(1)] : null);
        if (phaseKey) {
            const base = phaseKey[1];
            if (!groups.has(base)) {
                groups.set(base, {});
                order.push({ key, group: base });
            }
            groups.get(base)[phaseKey[2]] = v;
        }
        else {
            order.push({ key });
        }
    }
    for (const item of order.slice(0, 24)) {
        if (item.group !== undefined) {
            if (item.group === skipGroup)
                continue;
            const g = groups.get(item.group);
            const show = (p) => g[p] === undefined
                ? undefined
                : typeof g[p] === 'number'
                    ? value$1(item.group, g[p])
                    : String(g[p]);
            const span = [show('Start'), show('End')].filter(Boolean).join(' → ');
            const extra = [
                show('Settled') && `after the load ${show('Settled')}`,
                show('Peak') && `peak ${show('Peak')}`,
            ].filter(Boolean);
            const text = [span, ...extra].filter(Boolean).join(', ');
            inline.push(`${escapeMarkdown(label(item.group))}: ${escapeMarkdown(text, { max: 200 })}`);
            continue;
        }
        const v = details[item.key];
        const name = escapeMarkdown(label(item.key), { max: 60 });
        if (typeof v === 'number')
            inline.push(`${name}: ${escapeMarkdown(value$1(item.key, v, item.key === 'liveHeapGrowth'))}`);
        else if (/[\r\n]/.test(v))
            blocks.push({ title: item.key, text: v });
        else
            inline.push(`${name}: ${proseToMarkdown(v, 300)}`);
    }
    return { inline, blocks };
}

/** "stopped at 7.5 s: floor 2.8 B/req reached" (or "measured 60 s" on the fixed schedule). */
function stopText(t) {
    return t.stop
        ? `stopped at ${formatDuration(t.measuredMs)}: ${t.stop.why}`
        : `measured ${formatDuration(t.measuredMs)}`;
}
/**
 * "⏱ 29.9 s to the verdict: builds 1.6 s · base 0.1 s start + 5 s warmup + 7.5 s measured +
 * 0.4 s settle (stopped at 7.5 s: …) · … · analysis 1.1 s", escaped: the stop's words come
 * from a report the PR's run may have written.
 */
function timingLine(meta) {
    const t = meta.timing;
    if (!t)
        return undefined;
    const sides = t.sides.map((s) => {
        const parts = [
            `${formatDuration(s.startMs)} start`,
            `${formatDuration(s.warmupMs)} warmup`,
            `${formatDuration(s.measuredMs)} measured`,
            `${formatDuration(s.settleMs)} settle`,
        ];
        return `${s.side} ${parts.join(' + ')} (${stopText(s)})`;
    });
    const text = [
        `⏱ ${formatDuration(t.totalMs)} to the verdict: builds ${formatDuration(t.buildMs)}`,
        ...sides,
        `analysis ${formatDuration(t.analysisMs)}`,
    ].join(' · ');
    return escapeMarkdown(text, { max: 600 });
}
/** "12.9 s / 7.5 s" (base / head) when the sides stopped early; undefined otherwise. */
function measuredLengths(meta) {
    const sides = meta.timing?.sides ?? [];
    if (!meta.stopEarly || sides.length === 0)
        return undefined;
    return sides.map((s) => formatDuration(s.measuredMs)).join(' / ');
}

// The first thing a reviewer reads: is this PR safe? One verdict, one number,
// one place in the code; the other verdicts as short lines under it.
const STATUS_RANK = { new: 0, worsened: 1, unknown: 2, 'pre-existing': 3 };
function isLeak(f) {
    return isLeakKind(f.kind);
}
/** Memory the cause adds per request, as the analysis weighed it (0 when not recorded). */
function harm(f) {
    const h = f.details.harmPerRequest;
    return typeof h === 'number' && Number.isFinite(h) ? h : 0;
}
/** Leaks before information, new before old, a crash first, then by the memory each cause adds; stable otherwise. */
function orderFindings(findings) {
    const rank = (f) => (isLeak(f) ? 0 : 100) + STATUS_RANK[f.status] * 10 + (f.kind === 'crash' ? 0 : 1);
    return findings
        .map((f, i) => ({ f, i }))
        .sort((a, b) => rank(a.f) - rank(b.f) || harm(b.f) - harm(a.f) || a.i - b.i)
        .map(({ f }) => f);
}
/** The cause as a reviewer names it: "connection leak: response body not closed". */
function causeLabel(f) {
    if (f.kind === 'connection-leak' && f.details?.hintRule === 'response-body')
        return 'connection leak: response body not closed';
    return KIND_LABEL[f.kind];
}
/** The growing site to blame for a regression: the largest significant one in the service's own code, if any. */
function blamedAllocator(growing) {
    const significant = growing.filter((g) => g.significant && g.change > 0);
    return significant.find((g) => g.site.ownFrame) ?? significant[0];
}
function capitalise(text) {
    return text.charAt(0).toUpperCase() + text.slice(1);
}
const VERB = {
    'heap-leak': 'retained in',
    'goroutine-leak': 'stuck in',
    'connection-leak': 'left open by',
    'rss-growth': 'of RSS, near',
    'bounded-growth': 'held by',
    crash: 'in',
};
/** "+412 B/req retained in `main.rememberResponse` (handlers.go:42)". */
function findingNumber(f) {
    if (f.kind === 'crash')
        return proseToMarkdown(f.summary, 300);
    // RSS has no stack: without a line to blame, say what is known.
    if (f.kind === 'rss-growth' && !f.site.ownFrame)
        return `${escapeMarkdown(formatRate(f.rate, f.unit))} of RSS while the live Go heap stays flat`;
    const frame = f.site.ownFrame;
    const where = shortLocation(frame);
    const at = where ? ` (${escapeMarkdown(where, { max: 80 })})` : '';
    const name = frame?.function || f.site.function;
    const rate = escapeMarkdown(formatRate(f.rate, f.unit));
    if (!name)
        return rate;
    // The library or runtime frame where it happens, when the line to change is elsewhere.
    const other = f.site.function && frame && f.site.function !== frame.function && !f.site.function.startsWith('(');
    if (other && f.kind === 'goroutine-leak' && !f.site.stack.some((s) => s.startsWith(`${frame.function} `)))
        return `${rate} ${VERB[f.kind]} ${fn(f.site.function)}, started by ${fn(frame.function)}${at}`;
    const via = other && (f.kind === 'heap-leak' || f.kind === 'rss-growth') ? ` via ${fn(f.site.function)}` : '';
    return `${rate} ${VERB[f.kind]} ${fn(name)}${at}${via}`;
}
/** "Fixes base's connection leak at `main.go:107`" (or "slows", when head still leaks there at under half the rate). */
function fixedText(f) {
    const where = shortLocation(f.site.ownFrame);
    const name = f.site.ownFrame?.function || f.site.function;
    const at = where ? ` at ${codeSpan(where, { max: 80 })}` : name ? ` in ${fn(name)}` : '';
    const verb = f.how === 'gone' ? 'Fixes' : 'Slows';
    const rate = escapeMarkdown(f.how === 'gone'
        ? `was ${formatRate(f.baseRate, f.unit)}`
        : `${formatRate(f.baseRate, f.unit)} → ${formatRate(f.headRate, f.unit)}`);
    return `${verb} base's ${KIND_LABEL[f.kind]}${at} (${rate})`;
}
function allocationNumber(total, top) {
    const base = total.base ? formatBytes(total.base.bytesPerRequest) : undefined;
    let text = `${escapeMarkdown(formatChange(total.change))} bytes allocated per request`;
    if (base)
        text += ` (${escapeMarkdown(`${base} → ${formatBytes(total.head.bytesPerRequest)}`)})`;
    if (top) {
        const where = shortLocation(top.site.ownFrame);
        text += `, most in ${fn(top.site.ownFrame?.function || top.site.function)}${where ? ` (${escapeMarkdown(where, { max: 80 })})` : ''}`;
    }
    return text;
}
/** The title of a run with no leak and no regression: clean, a fix, or no verdict when the measurement is in doubt. */
function noLeakTitle(analysis) {
    const fixed = analysis.fixed ?? [];
    const hasBase = analysis.base !== undefined;
    const change = hasBase
        ? ` (${escapeMarkdown(formatChange(analysis.total.change))} allocated per request)`
        : '';
    let title = hasBase ? `✅ No leak, no allocation regression${change}` : '✅ No leak found';
    if (fixed[0])
        title = `✅ ${fixedText(fixed[0])}${fixed.length > 1 ? ` (and ${fixed.length - 1} more)` : ''}`;
    const doubt = analysis.untrustworthy?.[0];
    if (doubt) {
        // The pipeline's stop note ("timeout after 15m: head measured for 8 s of 20 s; results are partial").
        title = doubt.endsWith('results are partial')
            ? `⚠️ No verdict: the run was cut short (${escapeMarkdown(doubt.split(':')[0])}; see the notes)`
            : `⚠️ No verdict: the measurement is not trustworthy (${escapeMarkdown(doubt.split(':')[0])}: requests failed under load; see the notes)`;
    }
    return title;
}
function headline(ctx) {
    const { analysis } = ctx.report;
    const { verdict } = analysis;
    const findings = orderFindings(analysis.findings);
    const leaks = findings.filter(isLeak);
    const fresh = leaks.filter((f) => f.status === 'new' || f.status === 'worsened');
    const crash = leaks.find((f) => f.kind === 'crash');
    const topGrowing = blamedAllocator(analysis.growing);
    const fixed = analysis.fixed ?? [];
    const hasBase = analysis.base !== undefined;
    let title;
    const others = [];
    if (crash) {
        title = `❌ Service crashed under load: ${findingNumber(crash)}`;
    }
    else if (verdict.newLeak || (!hasBase && verdict.leak)) {
        const f = fresh[0] ?? leaks[0];
        const label = f ? causeLabel(f) : 'leak';
        const prefix = !f || f.status === 'new'
            ? `New ${label}`
            : f.status === 'worsened'
                ? `Worse ${label}`
                : capitalise(label);
        title = f ? `❌ ${prefix}: ${findingNumber(f)}` : `❌ ${prefix}`;
    }
    else if (verdict.regression) {
        title = `⚠️ Allocation regression: ${allocationNumber(analysis.total, topGrowing)}`;
    }
    else if (verdict.leak) {
        const f = leaks[0];
        title = f
            ? `ℹ️ No new leak; pre-existing ${causeLabel(f)}: ${findingNumber(f)}`
            : 'ℹ️ No new leak; a pre-existing one';
    }
    else {
        title = noLeakTitle(analysis);
    }
    // What the title did not say.
    const shownLeak = crash ??
        (verdict.newLeak || (!hasBase && verdict.leak)
            ? (fresh[0] ?? leaks[0])
            : verdict.leak && !verdict.regression
                ? leaks[0]
                : undefined);
    if (fixed.length && !title.startsWith('✅ Fixes'))
        others.push(...fixed.slice(0, 3).map((f) => `✅ ${fixedText(f)}`));
    if (verdict.regression && !title.startsWith('⚠️'))
        others.push(`⚠️ Allocation regression: ${allocationNumber(analysis.total, topGrowing)}`);
    const moreLeaks = leaks.filter((f) => f !== shownLeak);
    const moreFresh = moreLeaks.filter((f) => f.status === 'new' || f.status === 'worsened');
    const moreOld = moreLeaks.filter((f) => f.status === 'pre-existing' || f.status === 'unknown');
    if (moreFresh.length)
        others.push(`❌ ${moreFresh.length} more new ${moreFresh.length === 1 ? 'leak' : 'leaks'} below`);
    if (moreOld.length)
        others.push(`ℹ️ ${moreOld.length} pre-existing ${moreOld.length === 1 ? 'leak' : 'leaks'} (on base too) below`);
    const bounded = findings.filter((f) => f.kind === 'bounded-growth').length;
    if (bounded)
        others.push(`ℹ️ ${bounded} bounded growth ${bounded === 1 ? 'site' : 'sites'} (fills, then plateaus: not a leak)`);
    const lines = [`### ${title}`, ''];
    lines.push(contextLine(ctx));
    lines.push('');
    lines.push(checkLine(ctx));
    if (others.length) {
        lines.push('');
        for (const o of others)
            lines.push(`- ${o}`);
    }
    return lines;
}
function contextLine(ctx) {
    const { meta, analysis } = ctx.report;
    // The default package, `.`, says nothing: name the module instead (or nothing).
    const pkg = /^\.?\/*$/.test(meta.package) ? meta.modulePath : meta.package;
    const parts = pkg ? [codeSpan(pkg, { max: 80 })] : [];
    const base = shortSha(meta.baseSha);
    // Without a commit (the CLI on a checkout), head is what was built: the working tree as it stands.
    const head = shortSha(meta.headSha);
    const headText = head ? `head ${codeSpan(head)}` : 'head (working tree)';
    if (analysis.base)
        parts.push(`base ${base ? codeSpan(base) + ' ' : ''}→ ${headText}`);
    else
        parts.push(`${headText} only (no base to compare)`);
    const reqs = analysis.base
        ? `${formatCount(analysis.base.requests)} / ${formatCount(analysis.head.requests)} requests`
        : `${formatCount(analysis.head.requests)} requests`;
    const cutShort = analysis.untrustworthy?.some((n) => n.endsWith('results are partial'));
    const lengths = measuredLengths(meta);
    const measured = lengths
        ? `${lengths}${analysis.base ? ' (base / head, stopped when the answer was known)' : ''}`
        : `${formatDuration(meta.durationMs)}${analysis.base ? ' per side' : ''}`;
    parts.push(`${escapeMarkdown(reqs)} in ${escapeMarkdown(measured)}${cutShort ? ' (cut short)' : ''}`);
    return parts.join(' · ');
}
function checkLine(ctx) {
    const { meta, failures, analysis } = ctx.report;
    const words = meta.failOn.length ? meta.failOn : ['none'];
    const spans = (list) => list.map((w) => codeSpan(w, { max: 20 })).join(', ');
    const failOn = spans(words);
    if (failures.length === 0)
        return `**Check passes** (fail-on: ${failOn})`;
    const v = analysis.verdict;
    const matched = words.filter((w) => (w === 'leak' && v.leak) || (w === 'new-leak' && v.newLeak) || (w === 'regression' && v.regression));
    // Each fail-on word once: the ones that matched, then the ones that did not.
    const unmatched = words.filter((w) => !matched.includes(w));
    if (matched.length)
        return `**Check fails**: fail-on ${spans(matched)} matched${unmatched.length ? `; ${spans(unmatched)} did not` : ''}`;
    // The reasons did not come from the verdict: show them as they are.
    return `**Check fails** (fail-on: ${failOn}): ${failures
        .slice(0, 5)
        .map((f) => escapeMarkdown(f, { max: 400 }))
        .join('; ')}`;
}
/** One line per finding: for the compact forms when the comment is trimmed. */
function findingOneLiner(f) {
    return `${capitalise(causeLabel(f))} (${f.status}): ${findingNumber(f)}`;
}

/** The title of a finding says how it compares with base. */
function titleOf(f) {
    const label = causeLabel(f);
    if (f.kind === 'bounded-growth')
        return 'ℹ️ Bounded growth (fills, then plateaus: not a leak)';
    if (f.kind === 'crash')
        return '❌ Crash under load';
    switch (f.status) {
        case 'new':
            return `❌ New ${label} (not on base)`;
        case 'worsened':
            return `❌ Worse ${label} (at least twice base's rate)`;
        case 'pre-existing':
            return `ℹ️ Pre-existing ${label} (base leaks at a similar rate)`;
        default:
            return `❌ ${label.charAt(0).toUpperCase()}${label.slice(1)} (no base measured)`;
    }
}
function isBytes(unit) {
    return unit.replace(/\/req(uest)?$/, '') === 'B';
}
function value(v, unit) {
    return isBytes(unit) ? formatBytes(v) : formatCount(v);
}
/** ▁▂▄▆█ 3.1 MiB → 22.7 MiB over 48.2k requests · after the load, with a GC: 22.6 MiB · trend p < 0.001 */
function evidenceLine(f) {
    const { requests, values, settled, pValue } = f.evidence;
    if (values.length === 0)
        return undefined;
    const spark = sparkline(downsample(values, 24));
    const first = values[0];
    const last = values[values.length - 1];
    const span = requests.length ? requests[requests.length - 1] - requests[0] : NaN;
    const parts = [
        `${spark ? `${spark} ` : ''}${value(first, f.unit)} → ${value(last, f.unit)}${Number.isFinite(span) && span > 0 ? ` over ${formatCount(span)} requests` : ''}`,
    ];
    if (settled !== undefined)
        parts.push(`after the load stopped: ${value(settled, f.unit)}`);
    if (pValue !== undefined)
        parts.push(`trend ${formatPValue(pValue)}`);
    return escapeMarkdown(parts.join(' · '), { max: 0 });
}
const num$1 = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
/** The same cause's other evidence, folded into this finding: "+765 B/req heap, +1 fd per 200 requests". */
function alsoLine(f) {
    const d = f.details;
    const parts = [];
    const heap = num$1(d.heapRetainedPerRequest);
    if (heap !== undefined && heap > 0 && f.kind !== 'heap-leak')
        parts.push(`${formatRate(heap, 'B/req')} heap`);
    const stacks = num$1(d.stackBytesPerRequest);
    if (stacks !== undefined && stacks > 0)
        parts.push(`${formatRate(stacks, 'B/req')} of goroutine stacks`);
    const fds = num$1(d.fdsPer1kRequests);
    if (fds !== undefined && fds > 0)
        parts.push(`+1 open fd per ${formatCount(Math.max(1, Math.round(1000 / fds)))} requests`);
    if (typeof d.serverEnd === 'string')
        parts.push(`the server end of the same connections (${d.serverEnd})`);
    const rss = num$1(d.rssPerRequest);
    if (rss !== undefined && rss > 0)
        parts.push(`${formatRate(rss, 'B/req')} of RSS`);
    if (parts.length === 0)
        return undefined;
    const total = num$1(d.harmPerRequest);
    const cost = total !== undefined && parts.length > 1 ? `; about ${formatRate(total, 'B/req')} in all` : '';
    return escapeMarkdown(parts.join(', ') + cost, { max: 600 });
}
/** The leaks base had that head fixed, one line each. */
function fixedSection(fixed) {
    if (fixed.length === 0)
        return [];
    const out = ['#### Fixed by this PR', ''];
    for (const f of fixed.slice(0, 10))
        out.push(`- ✅ ${fixedText(f)}. On base: ${proseToMarkdown(f.summary, 400)}`);
    if (fixed.length > 10)
        out.push(`- ${escapeMarkdown(`…and ${fixed.length - 10} more in the JSON report.`)}`);
    out.push('');
    return out;
}
/**
 * The details group that holds the same series as the evidence line, per kind:
 * shown once, in the evidence, when that line is rendered.
 */
const EVIDENCE_GROUP = {
    'heap-leak': '',
    'bounded-growth': '',
    'goroutine-leak': 'count',
    'connection-leak': 'readLoop',
    'rss-growth': 'rss',
};
/**
 * Kinds whose summary sentence restates the rate, growth and series the bullets
 * give; a crash's (what died, when) and bounded growth's (where it levelled off) do not.
 */
const SUMMARY_RESTATES = new Set([
    'heap-leak',
    'goroutine-leak',
    'connection-leak',
    'rss-growth',
]);
function renderFinding(f, ctx, detail) {
    const frame = f.site.ownFrame;
    const name = frame?.function || f.site.function;
    const title = `**${escapeMarkdown(titleOf(f))}**`;
    // RSS has no stack: "(process RSS)" is not a place in the code.
    const placeless = f.kind === 'rss-growth' && !frame;
    const where = name && !placeless ? ` in ${fn(name)}${frame ? ` at ${location(frame, ctx)}` : ''}` : '';
    const out = [`${title}${where}`, ''];
    if (f.summary && !SUMMARY_RESTATES.has(f.kind))
        out.push(proseToMarkdown(f.summary), '');
    const facts = [];
    const rate = escapeMarkdown(formatRate(f.rate, f.unit));
    const { slopeLow, slopeHigh } = f.details;
    const aside = [
        typeof slopeLow === 'number' && typeof slopeHigh === 'number'
            ? `95% interval ${formatRate(slopeLow, f.unit)} to ${formatRate(slopeHigh, f.unit)}`
            : undefined,
        f.baseRate !== undefined ? `base ${formatRate(f.baseRate, f.unit)}` : undefined,
    ].filter(Boolean);
    const baseRate = aside.length ? ` (${escapeMarkdown(aside.join('; '))})` : '';
    if (f.kind !== 'crash') {
        facts.push(`**Rate:** ${rate}${baseRate} · **growth over the run:** ${escapeMarkdown(formatQuantity(f.growth, f.unit))}`);
    }
    const ev = detail.evidence ? evidenceLine(f) : undefined;
    if (ev)
        facts.push(`**Evidence:** ${ev}`);
    const also = alsoLine(f);
    if (also)
        facts.push(`**Also:** ${also}`);
    const { inline, blocks } = detailParts(f.details, ev ? EVIDENCE_GROUP[f.kind] : undefined);
    if (inline.length)
        facts.push(`**Details:** ${inline.join(' · ')}`);
    if (f.hint)
        facts.push(`**Fix:** ${proseToMarkdown(f.hint)}`);
    for (const fact of facts)
        out.push(`- ${fact}`);
    out.push('');
    for (const b of detail.stack ? blocks : []) {
        const lines = b.text.split(/\r\n|\r|\n/);
        out.push(`<details><summary>${escapeHtml(b.title, { max: 60 })} (${lines.length} lines)</summary>`, '');
        out.push(codeBlock(lines.slice(-60).join('\n'), 'text'), '', '</details>', '');
    }
    if (detail.stack && f.site.stack.length) {
        out.push(`<details><summary>Stack of ${escapeHtml(shortFunction(f.site.function), { max: 100 })} (${f.site.stack.length} frames)</summary>`, '');
        out.push(codeBlock(f.site.stack.map((s) => s.replace(/[\r\n]+/g, ' ').slice(0, 500)).join('\n'), 'text'), '', '</details>', '');
    }
    return out;
}

// "Reproduce locally": the CLI command that repeats this run, built from the
// report's meta. Values may come from an untrusted artifact, so every word is
// shell-quoted: pasting the command runs memleak, never something else.
/** The repository users run the action from (`uses: org/memleak-action@v1`). */
const ACTION_REPOSITORY = 'org/memleak-action';
/** The major tag users pin; the CLI from the same tag measures the same way. */
const ACTION_MAJOR = 'v1';
/** The CLI as a user runs it, decided here only (the README and the comment use it). */
const CLI_COMMAND = `npx github:${ACTION_REPOSITORY}#${ACTION_MAJOR}`;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
// eslint-disable-next-line no-control-regex
const CONTROL_ALL = /[\u0000-\u001f\u007f]/g;
/** A shell word that means exactly text: bare when safe, '…' or $'…' otherwise. */
function shellQuote(text) {
    if (/^[A-Za-z0-9_./:=@%+,-]+$/.test(text))
        return text;
    if (CONTROL.test(text)) {
        const body = text
            .replace(/[\\']/g, (c) => '\\' + c)
            .replace(CONTROL_ALL, (c) => {
            if (c === '\n')
                return '\\n';
            if (c === '\r')
                return '\\r';
            if (c === '\t')
                return '\\t';
            return '\\x' + c.charCodeAt(0).toString(16).padStart(2, '0');
        });
        return `$'${body}'`;
    }
    return `'${text.replace(/'/g, `'\\''`)}'`;
}
function duration(ms) {
    return ms % 1000 === 0 ? `${ms / 1000}s` : `${Math.round(ms)}ms`;
}
/** Flags that differ from the action's defaults, in the CLI's spelling. */
function reproduceCommand(meta) {
    const args = [];
    const flag = (name, value) => {
        args.push(`--${name}`, shellQuote(value));
    };
    const wd = meta.workingDirectory.replace(/\/+$/, '');
    if (wd && wd !== '.' && wd !== './')
        flag('working-directory', meta.workingDirectory);
    flag('package', meta.package || '.');
    if (meta.baseSha)
        flag('base-ref', meta.baseSha);
    // A flag only where the run differs from the default, compared in the input's own spelling.
    const unlessDefault = (name, value) => {
        if (value && value !== INPUT_DEFAULTS[name])
            flag(name, value);
    };
    // The file as base has it holds the requests and their headers, values included.
    if (meta.requestsFile)
        flag('requests-file', meta.requestsFile);
    else
        unlessDefault('requests', meta.requests.join('\n'));
    unlessDefault('duration', duration(meta.durationMs));
    unlessDefault('warmup', duration(meta.warmupMs));
    unlessDefault('connections', String(meta.connections));
    // Reports from before stop-early (or with it off) were measured on the fixed schedule.
    unlessDefault('stop-early', String(meta.stopEarly === true));
    if (meta.stopEarly && meta.minLeak !== undefined)
        unlessDefault('min-leak', `${meta.minLeak}B`);
    if (!meta.stopEarly)
        unlessDefault('snapshots', String(meta.snapshots));
    if (meta.rate !== undefined)
        unlessDefault('rate', String(meta.rate));
    if (meta.memProfileRate !== undefined)
        unlessDefault('memprofilerate', String(meta.memProfileRate));
    unlessDefault('regression-threshold', `${+(meta.regressionThreshold * 100).toFixed(4)}%`);
    unlessDefault('fail-on', meta.failOn.join(','));
    const lines = [];
    if (meta.headSha && /^[0-9a-f]{7,64}$/i.test(meta.headSha))
        lines.push(`git checkout ${meta.headSha}`);
    if (meta.headerNames?.length) {
        // Their values may be secrets, so the report never holds them: the reader supplies them.
        lines.push(`# the load also sent ${meta.headerNames.join(', ')}: add --headers $'Name: value' (one line each); the report does not keep their values`);
    }
    lines.push([CLI_COMMAND, 'run', ...args].join(' '));
    return lines;
}
/** Compare the two heap profiles the artifact holds. */
function pprofCommands() {
    return [
        '# what head keeps alive that base does not (live heap)',
        'go tool pprof -top -sample_index=inuse_space -diff_base base.pb.gz head.pb.gz',
        '# what head allocates more than base (since start)',
        'go tool pprof -top -sample_index=alloc_space -diff_base base.pb.gz head.pb.gz',
    ];
}

// To do: next major: remove.
/**
 * @typedef {Options} MarkdownTableOptions
 *   Configuration.
 */

/**
 * @typedef Options
 *   Configuration.
 * @property {boolean | null | undefined} [alignDelimiters=true]
 *   Whether to align the delimiters (default: `true`);
 *   they are aligned by default:
 *
 *   ```markdown
 *   | Alpha | B     |
 *   | ----- | ----- |
 *   | C     | Delta |
 *   ```
 *
 *   Pass `false` to make them staggered:
 *
 *   ```markdown
 *   | Alpha | B |
 *   | - | - |
 *   | C | Delta |
 *   ```
 * @property {ReadonlyArray<string | null | undefined> | string | null | undefined} [align]
 *   How to align columns (default: `''`);
 *   one style for all columns or styles for their respective columns;
 *   each style is either `'l'` (left), `'r'` (right), or `'c'` (center);
 *   other values are treated as `''`, which doesn’t place the colon in the
 *   alignment row but does align left;
 *   *only the lowercased first character is used, so `Right` is fine.*
 * @property {boolean | null | undefined} [delimiterEnd=true]
 *   Whether to end each row with the delimiter (default: `true`).
 *
 *   > 👉 **Note**: please don’t use this: it could create fragile structures
 *   > that aren’t understandable to some markdown parsers.
 *
 *   When `true`, there are ending delimiters:
 *
 *   ```markdown
 *   | Alpha | B     |
 *   | ----- | ----- |
 *   | C     | Delta |
 *   ```
 *
 *   When `false`, there are no ending delimiters:
 *
 *   ```markdown
 *   | Alpha | B
 *   | ----- | -----
 *   | C     | Delta
 *   ```
 * @property {boolean | null | undefined} [fillRows=true]
 *   Whether to fill rows with empty cells up to the most cells in a row
 *   (default: `true`).
 *
 *   When `true`, all rows have as many cells as the longest row:
 *
 *   ```markdown
 *   | Alpha | B    |   |
 *   | ----- | ---- | - |
 *   | C     |      |   |
 *   | D     | Echo | F |
 *   ```
 *
 *   When `false`, rows keep their cells,
 *   and the delimiter row has as many cells as the header row:
 *
 *   ```markdown
 *   | Alpha | B    |
 *   | ----- | ---- |
 *   | C     |
 *   | D     | Echo | F |
 *   ```
 * @property {boolean | null | undefined} [delimiterStart=true]
 *   Whether to begin each row with the delimiter (default: `true`).
 *
 *   > 👉 **Note**: please don’t use this: it could create fragile structures
 *   > that aren’t understandable to some markdown parsers.
 *
 *   When `true`, there are starting delimiters:
 *
 *   ```markdown
 *   | Alpha | B     |
 *   | ----- | ----- |
 *   | C     | Delta |
 *   ```
 *
 *   When `false`, there are no starting delimiters:
 *
 *   ```markdown
 *   Alpha | B     |
 *   ----- | ----- |
 *   C     | Delta |
 *   ```
 * @property {boolean | null | undefined} [padding=true]
 *   Whether to add a space of padding between delimiters and cells
 *   (default: `true`).
 *
 *   When `true`, there is padding:
 *
 *   ```markdown
 *   | Alpha | B     |
 *   | ----- | ----- |
 *   | C     | Delta |
 *   ```
 *
 *   When `false`, there is no padding:
 *
 *   ```markdown
 *   |Alpha|B    |
 *   |-----|-----|
 *   |C    |Delta|
 *   ```
 * @property {((value: string) => number) | null | undefined} [stringLength]
 *   Function to detect the length of table cell content (optional);
 *   this is used when aligning the delimiters (`|`) between table cells;
 *   full-width characters and emoji mess up delimiter alignment when viewing
 *   the markdown source;
 *   to fix this, you can pass this function,
 *   which receives the cell content and returns its “visible” size;
 *   note that what is and isn’t visible depends on where the text is displayed.
 *
 *   Without such a function, the following:
 *
 *   ```js
 *   markdownTable([
 *     ['Alpha', 'Bravo'],
 *     ['中文', 'Charlie'],
 *     ['👩‍❤️‍👩', 'Delta']
 *   ])
 *   ```
 *
 *   Yields:
 *
 *   ```markdown
 *   | Alpha | Bravo |
 *   | - | - |
 *   | 中文 | Charlie |
 *   | 👩‍❤️‍👩 | Delta |
 *   ```
 *
 *   With [`string-width`](https://github.com/sindresorhus/string-width):
 *
 *   ```js
 *   import stringWidth from 'string-width'
 *
 *   markdownTable(
 *     [
 *       ['Alpha', 'Bravo'],
 *       ['中文', 'Charlie'],
 *       ['👩‍❤️‍👩', 'Delta']
 *     ],
 *     {stringLength: stringWidth}
 *   )
 *   ```
 *
 *   Yields:
 *
 *   ```markdown
 *   | Alpha | Bravo   |
 *   | ----- | ------- |
 *   | 中文  | Charlie |
 *   | 👩‍❤️‍👩    | Delta   |
 *   ```
 */

/**
 * Get the length of a cell.
 *
 * @param {string} value
 *   Cell value.
 * @returns {number}
 *   Cell size.
 */
function defaultStringLength(value) {
  return value.length
}

/**
 * Generate a markdown
 * ([GFM](https://docs.github.com/en/github/writing-on-github/working-with-advanced-formatting/organizing-information-with-tables))
 * table.
 *
 * @param {ReadonlyArray<ReadonlyArray<string | null | undefined>>} table
 *   Table data (matrix of strings).
 * @param {Readonly<Options> | null | undefined} [options]
 *   Configuration (optional).
 * @returns {string}
 *   Result.
 */
function markdownTable(table, options) {
  const settings = options || {};
  // To do: next major: change to spread.
  // eslint-disable-next-line unicorn/prefer-spread -- `align` can be a string.
  const align = (settings.align || []).concat();
  const stringLength = settings.stringLength || defaultStringLength;
  /** @type {Array<number>} Character codes as symbols for alignment per column. */
  const alignments = [];
  /** @type {Array<Array<string>>} Cells per row. */
  const cellMatrix = [];
  /** @type {Array<Array<number>>} Sizes of each cell per row. */
  const sizeMatrix = [];
  /** @type {Array<number>} */
  const longestCellByColumn = [];
  let mostCellsPerRow = 0;
  let rowIndex = -1;

  // This is a superfluous loop if we don’t align delimiters, but otherwise we’d
  // do superfluous work when aligning, so optimize for aligning.
  while (++rowIndex < table.length) {
    /** @type {Array<string>} */
    const row = [];
    /** @type {Array<number>} */
    const sizes = [];
    let columnIndex = -1;

    if (table[rowIndex].length > mostCellsPerRow) {
      mostCellsPerRow = table[rowIndex].length;
    }

    while (++columnIndex < table[rowIndex].length) {
      const cell = serialize(table[rowIndex][columnIndex]);

      if (settings.alignDelimiters !== false) {
        const size = stringLength(cell);
        sizes[columnIndex] = size;

        if (
          longestCellByColumn[columnIndex] === undefined ||
          size > longestCellByColumn[columnIndex]
        ) {
          longestCellByColumn[columnIndex] = size;
        }
      }

      row.push(cell);
    }

    cellMatrix[rowIndex] = row;
    sizeMatrix[rowIndex] = sizes;
  }

  // Figure out which alignments to use.
  let columnIndex = -1;

  if (typeof align === 'object' && 'length' in align) {
    while (++columnIndex < mostCellsPerRow) {
      alignments[columnIndex] = toAlignment(align[columnIndex]);
    }
  } else {
    const code = toAlignment(align);

    while (++columnIndex < mostCellsPerRow) {
      alignments[columnIndex] = code;
    }
  }

  // Inject the alignment row.
  columnIndex = -1;
  /** @type {Array<string>} */
  const row = [];
  /** @type {Array<number>} */
  const sizes = [];

  while (++columnIndex < mostCellsPerRow) {
    const code = alignments[columnIndex];
    let before = '';
    let after = '';

    if (code === 99 /* `c` */) {
      before = ':';
      after = ':';
    } else if (code === 108 /* `l` */) {
      before = ':';
    } else if (code === 114 /* `r` */) {
      after = ':';
    }

    // There *must* be at least one hyphen-minus in each alignment cell.
    let size =
      settings.alignDelimiters === false
        ? 1
        : Math.max(
            1,
            longestCellByColumn[columnIndex] - before.length - after.length
          );

    const cell = before + '-'.repeat(size) + after;

    if (settings.alignDelimiters !== false) {
      size = before.length + size + after.length;

      if (size > longestCellByColumn[columnIndex]) {
        longestCellByColumn[columnIndex] = size;
      }

      sizes[columnIndex] = size;
    }

    row[columnIndex] = cell;
  }

  // Inject the alignment row.
  cellMatrix.splice(1, 0, row);
  sizeMatrix.splice(1, 0, sizes);

  rowIndex = -1;
  /** @type {Array<string>} */
  const lines = [];

  while (++rowIndex < cellMatrix.length) {
    const row = cellMatrix[rowIndex];
    const sizes = sizeMatrix[rowIndex];
    const cellsInRow =
      settings.fillRows === false
        ? Math.max(1, cellMatrix[rowIndex === 1 ? 0 : rowIndex].length)
        : mostCellsPerRow;
    columnIndex = -1;
    /** @type {Array<string>} */
    const line = [];

    while (++columnIndex < cellsInRow) {
      const cell = row[columnIndex] || '';
      let before = '';
      let after = '';

      if (settings.alignDelimiters !== false) {
        const size =
          longestCellByColumn[columnIndex] - (sizes[columnIndex] || 0);
        const code = alignments[columnIndex];

        if (code === 114 /* `r` */) {
          before = ' '.repeat(size);
        } else if (code === 99 /* `c` */) {
          const half = size / 2;

          if (size % 2) {
            before = ' '.repeat(half + 0.5);
            after = ' '.repeat(half - 0.5);
          } else {
            before = ' '.repeat(half);
            after = before;
          }
        } else {
          after = ' '.repeat(size);
        }
      }

      if (settings.delimiterStart !== false && !columnIndex) {
        line.push('|');
      }

      if (
        settings.padding !== false &&
        // Don’t add the opening space if we’re not aligning and the cell is
        // empty: there will be a closing space.
        !(settings.alignDelimiters === false && cell === '') &&
        (settings.delimiterStart !== false || columnIndex)
      ) {
        line.push(' ');
      }

      if (settings.alignDelimiters !== false) {
        line.push(before);
      }

      line.push(cell);

      if (settings.alignDelimiters !== false) {
        line.push(after);
      }

      if (settings.padding !== false) {
        line.push(' ');
      }

      if (settings.delimiterEnd !== false || columnIndex !== cellsInRow - 1) {
        line.push('|');
      }
    }

    lines.push(
      settings.delimiterEnd === false
        ? line.join('').replace(/ +$/, '')
        : line.join('')
    );
  }

  return lines.join('\n')
}

/**
 * Serialize a cell value.
 *
 * @param {string | null | undefined} [value]
 *   Value to serialize.
 * @returns {string}
 *   Result.
 */
function serialize(value) {
  return value === null || value === undefined ? '' : String(value)
}

/**
 * Get the alignment character code from a value.
 *
 * @param {string | null | undefined} value
 *   Value.
 * @returns {number}
 *   Alignment.
 */
function toAlignment(value) {
  const code = typeof value === 'string' ? value.codePointAt(0) : 0;

  return code === 67 /* `C` */ || code === 99 /* `c` */
    ? 99 /* `c` */
    : code === 76 /* `L` */ || code === 108 /* `l` */
      ? 108 /* `l` */
      : code === 82 /* `R` */ || code === 114 /* `r` */
        ? 114 /* `r` */
        : 0
}

// The base-vs-head summary table and the allocator tables. Every cell is escaped
// for a table (no `|` can end a cell, no newline can end a row).
function cell(text) {
    return escapeMarkdown(text, { max: 200 });
}
/** Aligned columns read well in a terminal (the CLI prints this Markdown); wide ones are not padded. */
function table(rows, align, aligned = false) {
    return markdownTable(rows, { align, alignDelimiters: aligned, stringLength: (s) => Array.from(s).length });
}
const fromTo = (a, b, f) => a === undefined && b === undefined
    ? undefined
    : `${a === undefined ? '?' : f(a)} → ${b === undefined ? '?' : f(b)}`;
const ROWS = [
    {
        name: 'Live heap growth per 1k requests',
        value: (s) => `${formatSignedBytes(s.heapGrowthPer1kRequests)}`,
    },
    {
        name: 'Live heap start → end (after load + GC)',
        value: (s) => `${formatBytes(s.liveHeapStart)} → ${formatBytes(s.liveHeapEnd)} (${formatBytes(s.liveHeapSettled)})`,
    },
    {
        name: 'Allocated per request',
        value: (s) => formatBytes(s.allocBytesPerRequest),
        change: (s) => s.allocBytesPerRequest,
    },
    {
        name: 'Objects per request',
        value: (s) => formatCount(s.allocObjectsPerRequest),
        change: (s) => s.allocObjectsPerRequest,
    },
    { name: 'Goroutines start → end', value: (s) => fromTo(s.goroutinesStart, s.goroutinesEnd, formatCount) },
    {
        name: 'RSS peak',
        value: (s) => (s.rssPeakBytes === undefined ? undefined : formatBytes(s.rssPeakBytes)),
        change: (s) => s.rssPeakBytes,
    },
    { name: 'Open fds start → end', value: (s) => fromTo(s.openFdsStart, s.openFdsEnd, formatCount) },
    { name: 'Throughput', value: (s) => formatRps(s.requestsPerSecond), change: (s) => s.requestsPerSecond },
    { name: 'p99 latency', value: (s) => formatDuration(s.p99LatencyMs), change: (s) => s.p99LatencyMs },
    {
        name: 'Requests (errors)',
        value: (s) => `${formatCount(s.requests)} (${s.errors === 0 ? 'no errors' : `${formatCount(s.errors)} errors`})`,
    },
    {
        name: 'GC cycles · GC CPU',
        value: (s) => s.gc
            ? `${formatCount(s.gc.numGC)}${s.gc.gcCPUFraction === undefined ? '' : ` · ${formatFraction(s.gc.gcCPUFraction)}`}`
            : undefined,
    },
    {
        name: 'GOGC · GOMEMLIMIT',
        value: (s) => s.gc && (s.gc.gogc || s.gc.gomemlimit)
            ? `${s.gc.gogc || '100'} · ${s.gc.gomemlimit || 'off'}`
            : undefined,
    },
];
function summaryTable(head, base) {
    const rows = [];
    for (const row of ROWS) {
        const h = row.value(head);
        const b = base ? row.value(base) : undefined;
        if (h === undefined && b === undefined)
            continue;
        if (!base) {
            rows.push([cell(row.name), cell(h ?? '—')]);
            continue;
        }
        const change = row.change ? relativeChange(row.change(base), row.change(head)) : undefined;
        rows.push([
            cell(row.name),
            cell(b ?? '—'),
            cell(h ?? '—'),
            change === undefined ? '' : cell(formatChange(change)),
        ]);
    }
    const header = base ? ['', 'base', 'head', 'change'] : ['', 'head'];
    return table([header, ...rows], base ? ['l', 'r', 'r', 'r'] : ['l', 'r'], true);
}
function significance(c) {
    const p = c.adjustedPValue ?? c.pValue;
    const pText = p === undefined ? '' : ` (${formatPValue(p)})`;
    return cell(c.significant ? `significant${pText}` : `not significant${pText}`);
}
function change(c) {
    const main = formatChange(c.change);
    if (!c.ci || !Number.isFinite(c.ci[0]) || !Number.isFinite(c.ci[1]))
        return cell(main);
    return cell(`${main} (${formatChange(c.ci[0])} to ${formatChange(c.ci[1])})`);
}
/** The PR's function that allocates, and the allocating leaf when that is elsewhere (json.Marshal). */
function allocatorName(c) {
    const own = c.site.ownFrame?.function;
    if (!own || own === c.site.function)
        return fn(c.site.function, true);
    return `${fn(own, true)} via ${fn(c.site.function, true)}`;
}
function allocatorTable(changes, ctx) {
    const rows = changes.map((c) => [
        allocatorName(c),
        location(c.site.ownFrame, ctx, true),
        c.base ? cell(formatBytes(c.base.bytesPerRequest)) : '—',
        cell(formatBytes(c.head.bytesPerRequest)),
        change(c),
        significance(c),
    ]);
    return table([['Function', 'Location', 'base B/req', 'head B/req', 'change', 'significance'], ...rows], ['l', 'l', 'r', 'r', 'r', 'l']);
}
/** Head alone (no base to compare with): where the allocations go, largest first. */
function headAllocatorTable(rates, ctx) {
    const rows = rates.map((c) => [
        allocatorName(c),
        location(c.site.ownFrame, ctx, true),
        cell(formatBytes(c.head.bytesPerRequest)),
        cell(formatCount(c.head.objectsPerRequest)),
    ]);
    return table([['Function', 'Location', 'B/req', 'objects/req'], ...rows], ['l', 'l', 'r', 'r']);
}

// The comment's last lines: what was run, with what, on what, and what it cost.
function footer(ctx) {
    const { meta, tool } = ctx.report;
    const reqs = meta.requests.slice(0, 3).map((r) => codeSpan(r, { max: 60 }));
    if (meta.requests.length > 3)
        reqs.push(escapeMarkdown(`+${meta.requests.length - 3} more`));
    const parts = [
        escapeMarkdown(`${tool.name} ${tool.version}`, { max: 80 }),
        escapeMarkdown(meta.stopEarly
            ? `${meta.connections} connections, ${formatDuration(meta.warmupMs)} warmup + at most ${formatDuration(meta.durationMs)} measured, stopping when the answer is known`
            : `${meta.connections} connections, ${formatDuration(meta.warmupMs)} warmup + ${formatDuration(meta.durationMs)} measured, ${meta.snapshots} snapshots`),
        `requests: ${reqs.join(', ') || '—'}`,
        escapeMarkdown([meta.goVersion, meta.platform].filter(Boolean).join(' '), { max: 80 }),
        escapeMarkdown(`regression threshold ${formatFraction(meta.regressionThreshold)}`),
    ];
    const cost = timingLine(meta);
    return `<sub>${parts.filter(Boolean).join(' · ')}</sub>` + (cost ? `<br>\n<sub>${cost}</sub>` : '');
}

/** GitHub refuses a comment body longer than this. */
const MAX_COMMENT_CHARS = 65_536;
const FULL = {
    stacks: true,
    improvements: 10,
    chart: true,
    evidence: Infinity,
    fullFindings: 20,
    listedFindings: 60,
    growingRows: 10,
    notes: true,
    reproduce: true,
};
/** Cumulative: stage k applies every stage before it too. */
const STAGES = [
    { dropped: 'stacks', apply: (d) => ({ ...d, stacks: false }) },
    { dropped: 'improvements', apply: (d) => ({ ...d, improvements: 0 }) },
    { dropped: 'the heap chart', apply: (d) => ({ ...d, chart: false }) },
    { dropped: 'evidence of findings after the first', apply: (d) => ({ ...d, evidence: 1 }) },
    {
        dropped: 'allocators after the top 5',
        apply: (d) => ({ ...d, growingRows: Math.min(d.growingRows, 5) }),
    },
    {
        dropped: 'details of findings after the third',
        apply: (d) => ({ ...d, fullFindings: 3, listedFindings: 20 }),
    },
    { dropped: 'notes', apply: (d) => ({ ...d, notes: false }) },
    { dropped: 'reproduction steps', apply: (d) => ({ ...d, reproduce: false }) },
    {
        dropped: 'findings after the first, allocators after the top 3',
        apply: (d) => ({ ...d, fullFindings: 1, listedFindings: 5, growingRows: 3 }),
    },
    {
        dropped: 'the findings and the allocator table',
        apply: (d) => ({ ...d, fullFindings: 0, listedFindings: 0, growingRows: 0 }),
    },
];
function findingsSection(findings, ctx, d) {
    const out = ['#### Leak findings', ''];
    if (findings.length === 0) {
        out.push("None: no site's live heap, goroutine count, open files or RSS grew with the requests served.", '');
        return out;
    }
    if (d.listedFindings === 0) {
        out.push(escapeMarkdown(`${findings.length} ${findings.length === 1 ? 'finding' : 'findings'} (left out to fit; see the JSON report).`), '');
        return out;
    }
    findings.slice(0, d.fullFindings).forEach((f, i) => {
        out.push(...renderFinding(f, ctx, { evidence: i < d.evidence, stack: d.stacks }));
    });
    const brief = findings.slice(d.fullFindings, d.listedFindings);
    if (brief.length) {
        out.push(d.fullFindings > 0 ? 'More findings:' : 'Findings:', '');
        for (const f of brief)
            out.push(`- ${findingOneLiner(f)}`);
        out.push('');
    }
    const rest = findings.length - Math.max(d.fullFindings, d.listedFindings);
    if (rest > 0)
        out.push(escapeMarkdown(`…and ${rest} more in the JSON report.`), '');
    return out;
}
function allocatorsSection(ctx, d) {
    const { analysis, meta } = ctx.report;
    if (!analysis.base) {
        const top = analysis.topAllocators ?? [];
        if (top.length === 0 || d.growingRows === 0)
            return [];
        return [
            '#### Top allocators',
            '',
            headAllocatorTable(top.slice(0, d.growingRows), ctx),
            '',
            'Bytes and objects allocated per request on head, median over snapshot windows (no base to compare with).',
            '',
        ];
    }
    const out = ['#### Top growing allocators', ''];
    const growing = analysis.growing;
    // Only changes beyond noise stand in the table; the rest are a folded count.
    const [clear, unclear] = partition(growing, (c) => c.significant);
    if (growing.length === 0) {
        out.push('No allocation site grew between base and head.', '');
    }
    else if (d.growingRows === 0) {
        out.push(escapeMarkdown(`${growing.length} growing sites (left out to fit; see the JSON report).`), '');
    }
    else {
        const threshold = formatFraction(meta.regressionThreshold);
        const tail = `Bytes allocated per request, median over snapshot windows; significant = Mann-Whitney U after Holm correction, and counted as a regression past ${threshold}.`;
        if (clear.length) {
            out.push(allocatorTable(clear.slice(0, d.growingRows), ctx), '');
            const more = clear.length - d.growingRows;
            out.push(escapeMarkdown(more > 0 ? `${more} more significant sites in the JSON report. ${tail}` : tail), '');
        }
        else {
            out.push('No allocation site grew significantly.', '');
        }
        if (unclear.length && d.improvements > 0) {
            out.push(...folded(`${unclear.length} more ${unclear.length === 1 ? 'site' : 'sites'} grew, not significantly`, unclear.slice(0, d.growingRows), ctx));
        }
        else if (unclear.length) {
            out.push(escapeMarkdown(`${unclear.length} more sites grew, not significantly (see the JSON report).`), '');
        }
    }
    if (d.improvements > 0 && analysis.improved.length > 0) {
        const [better, noise] = partition(analysis.improved, (c) => c.significant);
        const shown = better.slice(0, d.improvements);
        const title = better.length
            ? `Improvements (${shown.length} of ${better.length} significant${noise.length ? `; ${noise.length} more not significant` : ''})`
            : `${noise.length} ${noise.length === 1 ? 'site allocates' : 'sites allocate'} less, not significantly`;
        out.push(...folded(title, better.length ? shown : noise.slice(0, d.improvements), ctx));
    }
    return out;
}
function partition(items, keep) {
    return [items.filter(keep), items.filter((i) => !keep(i))];
}
function folded(title, rows, ctx) {
    return [
        `<details><summary>${escapeHtml(title, { max: 200 })}</summary>`,
        '',
        allocatorTable(rows, ctx),
        '',
        '</details>',
        '',
    ];
}
function chartSection(ctx, d) {
    const { analysis } = ctx.report;
    const chart = heapChart(analysis.head, analysis.base);
    if (!chart)
        return [];
    const out = ['#### Live heap over the run', ''];
    // The chart's source already lists its numbers for a reader without Mermaid (an
    // e-mail notification); the text line stands in only where no chart is drawn.
    if (d.chart && chart.mermaid)
        out.push(chart.mermaid, '');
    else
        out.push(escapeMarkdown(chart.text, { max: 2000 }), '');
    return out;
}
function reproduceSection(ctx, artifactUrl) {
    const out = ['<details><summary>Reproduce locally</summary>', ''];
    out.push('Run the same measurement on your machine (Go and Node 20+):', '');
    out.push(codeBlock(reproduceCommand(ctx.report.meta).join('\n'), 'sh'), '');
    const artifact = artifactUrl ? `[the artifact of this run](${artifactUrl})` : 'the artifact of this run';
    out.push(`Or compare the heap profiles from ${artifact} (${codeSpan('base.pb.gz')}, ${codeSpan('head.pb.gz')}):`, '');
    out.push(codeBlock(pprofCommands().join('\n'), 'sh'), '', '</details>', '');
    return out;
}
function notesSection(ctx) {
    const notes = ctx.report.analysis.notes;
    if (notes.length === 0)
        return [];
    return ['#### Notes', '', ...notes.slice(0, 20).map((n) => `- ${proseToMarkdown(n, 600)}`), ''];
}
function render(ctx, d, artifactUrl, dropped) {
    const { analysis } = ctx.report;
    const sections = [
        [commentMarker(ctx.report.meta.commentId)],
        [...headline(ctx), ''],
        [analysis.base ? '#### Base vs head' : '#### Head', '', summaryTable(analysis.head, analysis.base), ''],
        findingsSection(orderFindings(analysis.findings), ctx, d),
        fixedSection(analysis.fixed ?? []),
        allocatorsSection(ctx, d),
        chartSection(ctx, d),
        d.reproduce ? reproduceSection(ctx, artifactUrl) : [],
        d.notes ? notesSection(ctx) : [],
    ];
    if (dropped.length)
        sections.push([trimNote(dropped, artifactUrl), '']);
    sections.push([footer(ctx)]);
    return sections.flat().join('\n') + '\n';
}
function trimNote(dropped, artifactUrl) {
    const where = artifactUrl
        ? `the JSON report in [the artifact](${artifactUrl})`
        : 'the JSON report (the `report` output)';
    return `> ✂️ Shortened to fit GitHub's size limit. Left out: ${dropped.join('; ')}. Everything is in ${where}.`;
}
/** The report as Markdown, at most maxChars long (and maxBytes in UTF-8 when given). */
function renderMarkdown(report, opts = {}) {
    const maxChars = opts.maxChars ?? MAX_COMMENT_CHARS;
    const fits = (text) => text.length <= maxChars &&
        (opts.maxBytes === undefined || new TextEncoder().encode(text).length <= opts.maxBytes);
    const ctx = renderContext(report);
    const artifactUrl = safeUrl(opts.artifactUrl);
    let detail = FULL;
    let text = render(ctx, detail, artifactUrl, []);
    if (fits(text))
        return text;
    const dropped = [];
    for (const stage of STAGES) {
        detail = stage.apply(detail);
        dropped.push(stage.dropped);
        text = render(ctx, detail, artifactUrl, dropped);
        if (fits(text))
            return text;
    }
    // Still too long (a tiny cap): whole lines from the top, never inside a block.
    return cutAtBlockBoundary(text, fits);
}
/** The longest prefix of whole top-level paragraphs that fits; ends outside any fence or table. */
function cutAtBlockBoundary(text, fits) {
    const blocks = text.split(/\n\n/);
    let out = '';
    for (const block of blocks) {
        const next = out ? `${out}\n\n${block}` : block;
        if (!fits(next + '\n'))
            break;
        out = next;
    }
    return out ? out + '\n' : '';
}

// Runs a build-time command (git, go, the user's build-command) and keeps its output.
/** Names anything we run may see: the system's basics (no credentials among them). */
const BASICS = new Set(['PATH', 'LANG', 'TZ', 'SSL_CERT_FILE', 'SSL_CERT_DIR']);
const PROXIES = new Set(['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy']);
/** How Go builds (target, cgo, toolchain, checksums): settings, not secrets. */
const GO_BUILD = new Set([
    'GOFLAGS',
    'GOTOOLCHAIN',
    'GOOS',
    'GOARCH',
    'GOAMD64',
    'GOARM',
    'GOARM64',
    'GO386',
    'GOEXPERIMENT',
    'GOROOT',
    'GODEBUG',
    'GOPRIVATE',
    'GONOPROXY',
    'GONOSUMDB',
    'GONOSUMCHECK',
    'GOSUMDB',
    'GOINSECURE',
    'GOVCS',
    'GOWORK',
    'CGO_ENABLED',
    'CC',
    'CXX',
    'CGO_CFLAGS',
    'CGO_CPPFLAGS',
    'CGO_CXXFLAGS',
    'CGO_LDFLAGS',
    'PKG_CONFIG',
]);
/**
 * Where the runner's Go keeps and fetches modules, and how it authenticates:
 * needed by our own `go build` and `git` (they run no code of the PR), never by
 * the PR's build-command.
 */
const RUNNER_ONLY = new Set([
    'HOME',
    'USER',
    'TMPDIR',
    'TMP',
    'TEMP',
    'GOPATH',
    'GOCACHE',
    'GOMODCACHE',
    'GOTMPDIR',
    'GOENV',
    'GOPROXY',
    'GOAUTH',
    'XDG_CONFIG_HOME',
    'XDG_CACHE_HOME',
    'SSH_AUTH_SOCK',
]);
function pick(parent, keep) {
    const env = {};
    for (const [key, value] of Object.entries(parent))
        if (value !== undefined && keep(key))
            env[key] = value;
    return env;
}
/**
 * Environment for our own build tools (go build, git): an allowlist, not a
 * denylist, so a DEPLOY_KEY or any other secret the workflow put in the
 * environment stays with us.
 */
function buildEnvironment(parent) {
    return pick(parent, (k) => BASICS.has(k) ||
        PROXIES.has(k) ||
        GO_BUILD.has(k) ||
        RUNNER_ONLY.has(k) ||
        k.startsWith('LC_') ||
        // git's own settings (an insteadOf with credentials set by the workflow) serve our fetch of the base.
        (k.startsWith('GIT_') && !/TOKEN|PASSWORD|SECRET/i.test(k)));
}
/** A GOPROXY list without entries that carry credentials (https://user:token@host). */
function publicProxies(list) {
    const kept = (list ?? 'https://proxy.golang.org,direct')
        .split(/([,|])/)
        .reduce((out, part, i, all) => {
        if (part === ',' || part === '|')
            return out;
        if (/^[a-z]+:\/\/[^/]*@/i.test(part))
            return out;
        if (out.length > 0)
            out.push(all[i - 1]);
        out.push(part);
        return out;
    }, []);
    return kept.join('') || 'off';
}
/**
 * Environment for the PR's build-command: the basics and Go's build settings
 * only. `dirs` replaces HOME, the temp dir and Go's caches (the sandbox's own,
 * when it runs as the sandbox user); without it the runner's are used.
 */
function untrustedBuildEnvironment(parent, dirs) {
    const env = pick(parent, (k) => BASICS.has(k) || PROXIES.has(k) || GO_BUILD.has(k) || k.startsWith('LC_'));
    if (dirs) {
        Object.assign(env, {
            HOME: dirs.home,
            USER: dirs.user,
            TMPDIR: dirs.tmp,
            GOCACHE: dirs.gocache,
            GOPATH: dirs.gopath,
            GOMODCACHE: dirs.modcache,
            GOPROXY: dirs.proxy,
        });
    }
    else {
        for (const k of ['HOME', 'USER', 'TMPDIR', 'GOPATH', 'GOCACHE', 'GOMODCACHE']) {
            if (parent[k] !== undefined)
                env[k] = parent[k];
        }
        env.GOPROXY = publicProxies(parent.GOPROXY);
    }
    return env;
}
const CLOSE_WAIT_MS = 5000;
function runCommand(command, args, opts) {
    const env = opts.env ?? buildEnvironment(process.env);
    const spec = opts.scope ? opts.scope.wrap(command, args, env) : { command, args, env };
    return new Promise((resolve, reject) => {
        const child = spawn(spec.command, spec.args, {
            cwd: opts.cwd,
            env: spec.env,
            stdio: ['ignore', 'pipe', 'pipe'],
            detached: true,
            ...uidOf$1(spec),
        });
        const chunks = [];
        let size = 0;
        const keep = (chunk) => {
            // Keep the tail that matters without holding megabytes of compiler chatter.
            chunks.push(chunk);
            size += chunk.length;
            while (size > 1_000_000 && chunks.length > 1)
                size -= chunks.shift().length;
        };
        child.stdout.on('data', keep);
        child.stderr.on('data', keep);
        const killGroup = () => {
            try {
                if (child.pid)
                    process.kill(-child.pid, 'SIGKILL');
            }
            catch {
                /* already gone */
            }
        };
        const kill = () => {
            killGroup();
            void opts.scope?.killAll();
        };
        const timer = opts.timeoutMs ? setTimeout(kill, opts.timeoutMs) : undefined;
        opts.signal?.addEventListener('abort', kill, { once: true });
        child.on('error', (error) => {
            clearTimeout(timer);
            reject(error);
        });
        const closed = new Promise((r) => child.once('close', () => r()));
        child.once('exit', (code) => {
            clearTimeout(timer);
            opts.signal?.removeEventListener('abort', kill);
            void (async () => {
                // What it left running (nohup ... &, a daemon that called setsid) ends with it; their
                // open stdout would otherwise keep us waiting for 'close' until the timeout.
                let survivors;
                if (opts.scope)
                    survivors = await opts.scope.killAll();
                killGroup();
                // Unref'd: a timer left over must not keep our process alive after the run.
                await Promise.race([closed, new Promise((r) => setTimeout(r, CLOSE_WAIT_MS).unref())]);
                const result = { code, output: Buffer.concat(chunks).toString('utf8') };
                if (survivors && survivors.length > 0)
                    result.survivors = survivors;
                resolve(result);
            })();
        });
    });
}
/** spawn's uid/gid options when the spec switches user in node itself (root on macOS). */
function uidOf$1(spec) {
    return spec.uid !== undefined && spec.gid !== undefined ? { uid: spec.uid, gid: spec.gid } : {};
}
function lastLines(text, count) {
    const lines = text.trimEnd().split('\n');
    return lines.slice(-count).join('\n');
}

// A read-only Go module proxy on 127.0.0.1 over the runner's module download
// cache, for the PR's build-command: it runs as the sandbox user, which can read
// neither our module cache (in our home) nor our credentials, yet must build.
// It gets the modules we already have (GOPROXY protocol, files only: list,
// .info, .mod, .zip), and nothing else of ours; what is not cached is a 404 and
// Go falls back to the public proxies in its GOPROXY list.
/** The file a proxy request names inside `root`, or undefined when it names anything else. */
function proxyFile(root, urlPath) {
    let path;
    try {
        path = decodeURIComponent(urlPath.split('?')[0]);
    }
    catch {
        return undefined;
    }
    // <module>/@v/list, <module>/@v/<version>.(info|mod|zip); module paths are lower-case-escaped (!x).
    if (!/^\/[A-Za-z0-9._~!+\-/]+\/@v\/(list|[A-Za-z0-9._+!-]+\.(info|mod|zip))$/.test(path))
        return undefined;
    const file = normalize(join$1(root, path));
    return file.startsWith(root + sep) ? file : undefined;
}
function startModuleProxy(downloadCache) {
    const root = normalize(downloadCache);
    const server = createServer((req, res) => {
        const file = req.method === 'GET' ? proxyFile(root, req.url ?? '') : undefined;
        let size = -1;
        try {
            if (file)
                size = statSync(file).isFile() ? statSync(file).size : -1;
        }
        catch {
            // not cached
        }
        if (!file || size < 0) {
            res.writeHead(404, { 'content-type': 'text/plain' }).end("not in the runner's module cache\n");
            return;
        }
        res.writeHead(200, { 'content-length': size });
        createReadStream(file).pipe(res);
    });
    return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => {
            const { port } = server.address();
            resolve({
                url: `http://127.0.0.1:${port}`,
                close: () => new Promise((r) => server.close(() => r())),
            });
        });
    });
}

// Builds one side's service binary: `go build` of the package, or the user's build-command.
class BuildError extends Error {
    name = 'BuildError';
}
async function readModulePath(moduleDir) {
    const goMod = join$1(moduleDir, 'go.mod');
    if (!existsSync(goMod)) {
        throw new UsageError(`working-directory: no go.mod in ${moduleDir}; point it at the Go module root`);
    }
    const match = /^module\s+("?)([^\s"]+)\1\s*$/m.exec(await readFile(goMod, 'utf8'));
    if (!match)
        throw new UsageError(`working-directory: ${goMod} has no module line`);
    return match[2];
}
/** Go's module cache directory of the runner, which the sandbox's module proxy serves from. */
async function runnerModCache() {
    const r = await runCommand('go', ['env', 'GOMODCACHE'], { cwd: process.cwd(), timeoutMs: 30_000 });
    return r.code === 0 && r.output.trim() ? r.output.trim() : undefined;
}
async function runBuildCommand(req, workDir) {
    const sandbox = req.sandbox;
    if (!sandbox?.isolated) {
        const env = {
            ...untrustedBuildEnvironment(process.env),
            MEMLEAK_BINARY: req.binary,
            MEMLEAK_SIDE: req.side,
        };
        return runCommand('/bin/sh', ['-c', req.buildCommand], {
            cwd: workDir,
            env,
            timeoutMs: 15 * 60_000,
            signal: req.signal,
        });
    }
    const home = sandbox.home;
    const cache = await runnerModCache();
    const proxy = cache ? await startModuleProxy(join$1(cache, 'cache/download')) : undefined;
    const out = join$1(sandbox.root, `${req.side}-out`);
    await mkdir(out);
    await sandbox.handOver(out);
    const env = {
        ...untrustedBuildEnvironment(process.env, {
            home,
            tmp: join$1(home, 'tmp'),
            gocache: join$1(home, '.cache/go-build'),
            gopath: join$1(home, 'go'),
            modcache: join$1(home, 'go/pkg/mod'),
            user: sandbox.user.name,
            proxy: [proxy?.url, publicProxies(process.env.GOPROXY)].filter(Boolean).join(','),
        }),
        MEMLEAK_BINARY: join$1(out, 'service'),
        MEMLEAK_SIDE: req.side,
    };
    const scope = await sandbox.scope(`${req.side}-build`);
    try {
        const result = await runCommand('/bin/sh', ['-c', req.buildCommand], {
            cwd: workDir,
            env,
            timeoutMs: 15 * 60_000,
            signal: req.signal,
            scope,
        });
        // Ours from here: the sandbox can no longer swap the binary the service runs from.
        if (result.code === 0 && existsSync(env.MEMLEAK_BINARY)) {
            await copyFile(env.MEMLEAK_BINARY, req.binary);
            await chmod(req.binary, 0o755);
        }
        return result;
    }
    finally {
        await scope.dispose();
        await proxy?.close();
    }
}
async function buildSide(req) {
    const moduleDir = resolve$1(req.treeDir, req.workingDirectory);
    const modulePath = await readModulePath(moduleDir);
    const started = Date.now();
    const sandboxed = req.sandbox?.isolated === true;
    // The service (and build-command) get a copy they own, without .git: never the runner's tree.
    const serviceDir = sandboxed
        ? resolve$1(await req.sandbox.copyTree(req.treeDir, req.side), req.workingDirectory)
        : moduleDir;
    // -trimpath makes file names module-relative, so base (in a worktree) and
    // head (in the workspace) name the same file the same way.
    const shown = req.buildCommand || `go build -trimpath -o <binary> ${req.package}`;
    let result;
    try {
        result = req.buildCommand
            ? await runBuildCommand(req, serviceDir)
            : await runCommand('go', ['build', '-trimpath', '-o', req.binary, req.package], {
                cwd: moduleDir,
                env: buildEnvironment(process.env),
                timeoutMs: 15 * 60_000,
                signal: req.signal,
            });
    }
    catch (error) {
        if (error instanceof BuildError)
            throw error;
        throw new BuildError(`build of ${req.side} could not start: ${error.message}`);
    }
    if (result.survivors) {
        throw new BuildError(`build of ${req.side}: processes of build-command survived being killed: ${result.survivors.join(', ')}`);
    }
    if (result.code !== 0) {
        throw new BuildError(`build of ${req.side} failed (${shown} in ${moduleDir}, exit ${result.code}):\n${lastLines(result.output, 40)}`);
    }
    if (!existsSync(req.binary)) {
        throw new BuildError(`build of ${req.side} succeeded but wrote no binary at $MEMLEAK_BINARY (${req.binary})`);
    }
    if (sandboxed)
        await chmod(req.binary, 0o755);
    return {
        side: req.side,
        binary: req.binary,
        moduleDir,
        serviceDir,
        modulePath,
        durationMs: Date.now() - started,
    };
}
async function goVersion() {
    try {
        const result = await runCommand('go', ['env', 'GOVERSION'], { cwd: process.cwd(), timeoutMs: 30_000 });
        return result.code === 0 ? result.output.trim() : undefined;
    }
    catch {
        return undefined;
    }
}

// The base side comes from a detached git worktree at the base commit, so the
// workspace (head) is never touched and both trees exist at once.
async function git(repoDir, args) {
    const result = await runCommand('git', args, { cwd: repoDir, timeoutMs: 120_000 });
    return { ok: result.code === 0, output: result.output.trim() };
}
async function resolveCommit(repoDir, ref) {
    const result = await git(repoDir, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
    return result.ok ? result.output.split('\n')[0] : undefined;
}
/**
 * Resolves `ref` (fetching it when the checkout is shallow, as actions/checkout
 * leaves it by default) and adds a detached worktree for it.
 */
async function addBaseWorktree(repoDir, ref, log) {
    let sha = await resolveCommit(repoDir, ref);
    if (!sha) {
        log(`base ${ref} is not in this checkout; fetching it from origin`);
        const fetched = await git(repoDir, ['fetch', '--no-tags', '--depth=1', 'origin', ref]);
        if (!fetched.ok) {
            throw new UsageError(`base-ref: cannot find ${JSON.stringify(ref)} in the repository, and fetching it from origin failed: ${lastLines(fetched.output, 3)}`);
        }
        sha = (await resolveCommit(repoDir, ref)) ?? (await resolveCommit(repoDir, 'FETCH_HEAD'));
        if (!sha)
            throw new UsageError(`base-ref: fetched ${JSON.stringify(ref)} but it is not a commit`);
    }
    const dir = await mkdtemp(join$1(tmpdir(), 'memleak-base-'));
    const added = await git(repoDir, ['worktree', 'add', '--detach', '--force', dir, sha]);
    if (!added.ok)
        throw new Error(`git worktree add for base ${sha.slice(0, 12)} failed: ${lastLines(added.output, 5)}`);
    return {
        dir,
        sha,
        async remove() {
            await git(repoDir, ['worktree', 'remove', '--force', dir]);
        },
    };
}

// Request files as JetBrains' HTTP Client and VS Code's REST Client keep them
// (.http / .rest): requests separated by ### lines, each a request line, header
// lines, a blank line and a body; `@name = value` variables used as {{name}}.
// Teams already keep these next to their services, so the load can be the file.
// Scripts, file bodies and environment lookups are refused, not run: the file is
// the pull request's text.
const VARIABLE = /^@([A-Za-z_][\w.-]*)\s*=\s*(.*)$/;
// The URL may hold placeholders with spaces inside the braces ({{$randomInt 1 9}}).
const REQUEST_LINE = /^(?:([A-Za-z]+)\s+)?((?:\{\{.*?\}\}|\S)+)(?:\s+HTTP\/[\d.]+)?$/;
const HEADER$1 = /^([^\s:]+)\s*:\s*(.*)$/;
const MAX_DEPTH = 10;
const MAX_REQUESTS = 1000;
/** Replaces {{name}} by the file's variables (themselves expanded); {{$…}} placeholders stay for the generator. */
function expand(text, vars, fail, depth = 0) {
    return text.replace(/\{\{\s*([^$}][^}]*?)\s*\}\}/g, (_, name) => {
        const value = vars.get(name);
        if (value === undefined)
            fail(`unknown variable {{${name}}} (define it in the file with @${name} = value)`);
        if (depth >= MAX_DEPTH)
            fail(`variable {{${name}}} refers to itself`);
        return expand(value, vars, fail, depth + 1);
    });
}
/** The path and query of a request line's URL: the load always goes to the service on this machine. */
function pathOf(url) {
    const m = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*(.*)$/i.exec(url);
    if (!m)
        return url;
    return m[1].startsWith('/') ? m[1] : `/${m[1]}`;
}
/**
 * Parses a request file. `name` is how messages refer to it (e.g. "requests-file
 * api.http (base)"); every error names the line.
 */
function parseHttpFile(text, name) {
    const vars = new Map();
    const blocks = [{ lines: [] }];
    text.split(/\r?\n/).forEach((line, i) => {
        if (/^###/.test(line))
            blocks.push({ lines: [] });
        else
            blocks[blocks.length - 1].lines.push({ text: line, no: i + 1 });
    });
    const requests = [];
    for (const block of blocks) {
        const request = parseBlock(block, vars, name);
        if (request)
            requests.push(request);
    }
    // The report lists the load's requests, and a report holds at most 1000 of them.
    if (requests.length > MAX_REQUESTS) {
        throw new UsageError(`${name}: ${requests.length} requests; a request file holds at most ${MAX_REQUESTS}`);
    }
    if (requests.length === 0) {
        throw new UsageError(`${name}: no request in the file; expected requests like "GET /users" separated by ###`);
    }
    return requests;
}
function parseBlock(block, vars, name) {
    let at = 0;
    let no = block.lines[0]?.no ?? 1;
    const fail = (why) => {
        throw new UsageError(`${name} line ${no}: ${why}`);
    };
    const lines = block.lines;
    // Before the request line: blank lines, comments (# or //, including # @name metadata) and variables.
    for (; at < lines.length; at++) {
        const line = lines[at].text.trim();
        no = lines[at].no;
        if (line === '' || line.startsWith('#') || line.startsWith('//'))
            continue;
        const v = VARIABLE.exec(line);
        if (!v)
            break;
        vars.set(v[1], v[2].trim());
    }
    if (at >= lines.length)
        return undefined;
    const requestLine = no;
    const m = REQUEST_LINE.exec(expand(lines[at].text.trim(), vars, fail));
    if (!m)
        fail(`expected a request line like "GET /users" or "POST {{host}}/users HTTP/1.1"`);
    let url = m[2];
    // VS Code's multi-line query: indented lines starting with ? or & continue the URL.
    for (at++; at < lines.length && /^\s+[?&]/.test(lines[at].text); at++)
        url += lines[at].text.trim();
    const headers = [];
    for (; at < lines.length; at++) {
        const line = lines[at].text.trim();
        no = lines[at].no;
        if (line === '')
            break;
        if (line.startsWith('#') || line.startsWith('//'))
            continue;
        const h = HEADER$1.exec(line);
        if (!h)
            fail(`expected a header "Name: value" or a blank line before the body, got ${JSON.stringify(line)}`);
        headers.push([h[1], expand(h[2].trim(), vars, fail)]);
    }
    const bodyLines = [];
    for (at++; at < lines.length; at++) {
        const line = lines[at].text;
        no = lines[at].no;
        if (/^<\s+\S/.test(line))
            fail('bodies read from files ("< path") are not supported; put the body in the file');
        // Response handlers and response references run JavaScript or write files: not here.
        if (/^>>?!?\s|^<>\s/.test(line))
            break;
        bodyLines.push(line);
    }
    const body = bodyLines.join('\n').trim();
    no = requestLine;
    return checkRequest(m[1] ?? 'GET', pathOf(url), body === '' ? undefined : expand(body, vars, fail), fail, headers);
}

// The `requests-file` input: which tree's file is the load. The file is the
// PR's text like any other; read from base when base has it, so a pull request
// cannot steer its own check away from the route that leaks. A file the PR
// adds can only come from head.
const MAX_FILE_BYTES = 1024 * 1024;
function readRequestsFile(file, trees) {
    const inBase = trees.base !== undefined && existsSync(join$1(trees.base, file));
    const side = inBase ? 'base' : 'head';
    const root = inBase ? trees.base : trees.head;
    const path = join$1(root, file);
    if (!existsSync(path)) {
        throw new UsageError(`requests-file: ${file} is in neither base nor head (a path from the repository's root)`);
    }
    // lstat: a symbolic link in the PR's tree could point at the runner's files, whose text would go to the service.
    const stat = lstatSync(path);
    if (!stat.isFile() ||
        stat.size > MAX_FILE_BYTES ||
        !realpathSync(path).startsWith(realpathSync(root) + sep)) {
        throw new UsageError(`requests-file: expected a plain file of at most 1 MiB (not a link), ${file} on ${side} is not one`);
    }
    return { requests: parseHttpFile(readFileSync(path, 'utf8'), `requests-file ${file} (${side})`), side };
}

// The build step: base's worktree, the load as the requests file gives it, and
// both binaries, built side by side, all before anything is measured (build CPU
// must not overlap a measurement).
/** Every text a request sends, with what to call it, to check none holds a runner secret. */
function requestTexts(requests) {
    return requests.flatMap((r, i) => [
        [`request ${i + 1}'s path`, r.path],
        ...(r.body === undefined ? [] : [[`request ${i + 1}'s body`, r.body]]),
        ...(r.headers ?? []).map(([n, v]) => [`request ${i + 1}'s ${n} header`, v]),
    ]);
}
/**
 * Builds every side into binDir. `onBaseTree` hears of base's worktree as soon as it
 * exists, so the caller removes it even when a build after it fails.
 */
async function buildSides(inputs, ctx, sides, sandbox, binDir, onBaseTree) {
    const { log } = ctx;
    const result = { built: {}, requests: inputs.requests };
    if (ctx.baseRef) {
        result.baseTree = await addBaseWorktree(ctx.workspace, ctx.baseRef, log.info);
        onBaseTree(result.baseTree);
        log.info(`base: ${ctx.baseRef} at ${result.baseTree.sha.slice(0, 12)} in ${result.baseTree.dir}`);
    }
    if (inputs.requestsFile) {
        const fromFile = readRequestsFile(inputs.requestsFile, {
            base: result.baseTree?.dir,
            head: ctx.workspace,
        });
        assertNoRunnerSecret('requests-file', requestTexts(fromFile.requests), ctx.forbiddenValues ?? []);
        const requests = fromFile.requests;
        result.requests = requests;
        result.requestsNote =
            `The load is ${inputs.requestsFile} as ${fromFile.side} has it (${requests.length} ` +
                `${requests.length === 1 ? 'request' : 'requests'})` +
                (fromFile.side === 'head' ? ': base has no such file.' : ', so the PR cannot change its own load.');
        log.info(result.requestsNote);
    }
    // Side by side: the builds are the only CPU-bound work before the first measurement, and
    // nothing is measured until both are done. A failed build waits for the other to end.
    const builds = await Promise.allSettled(sides.map(async (side) => {
        const b = await buildSide({
            side,
            treeDir: side === 'base' ? result.baseTree.dir : ctx.workspace,
            workingDirectory: inputs.workingDirectory,
            package: inputs.package,
            buildCommand: inputs.buildCommand,
            binary: join$1(binDir, `${side}.bin`),
            signal: ctx.signal,
            sandbox,
            log: log.info,
        });
        log.info(`${side}: built ${inputs.package} (${b.modulePath}) in ${(b.durationMs / 1000).toFixed(1)}s`);
        return [side, b];
    }));
    // Base's failure first, as the sides are listed.
    const failed = builds.find((b) => b.status === 'rejected');
    if (failed)
        throw failed.reason;
    for (const b of builds)
        if (b.status === 'fulfilled')
            result.built[b.value[0]] = b.value[1];
    return result;
}

/** A side whose measurement ended early; the snapshots it took before are kept. */
class SideCutShortError extends Error {
    side;
    logPath;
    snapshots;
    elapsedMs;
    load;
    constructor(message, side, logPath, snapshots, 
    /** Milliseconds since the measured load started (negative: during warmup). */
    elapsedMs, load) {
        super(message);
        this.side = side;
        this.logPath = logPath;
        this.snapshots = snapshots;
        this.elapsedMs = elapsedMs;
        this.load = load;
    }
}
/** The service died (or exited) during the measurement; the snapshots before that are kept. */
class ServiceCrashedError extends SideCutShortError {
    exit;
    logTail;
    name = 'ServiceCrashedError';
    constructor(message, side, exit, logTail, logPath, snapshots, elapsedMs, load) {
        super(message, side, logPath, snapshots, elapsedMs, load);
        this.exit = exit;
        this.logTail = logTail;
    }
}
/** The run was stopped (deadline, cancelled job) while this side was measured; the message is the stop's. */
class MeasurementStoppedError extends SideCutShortError {
    durationMs;
    name = 'MeasurementStoppedError';
    constructor(message, side, logPath, snapshots, elapsedMs, 
    /** The measured load this side was to run, for "measured for 8 s of 20 s". */
    durationMs, load) {
        super(message, side, logPath, snapshots, elapsedMs, load);
        this.durationMs = durationMs;
    }
}

// Where the load worker's code is. From the bundle it is dist/load-worker.js,
// beside the chunk that runs this. From source (Vitest, tsx) there is only
// worker.ts, which a worker thread cannot run on Node 20: it is transpiled
// once per process into a temporary folder with TypeScript (a dev dependency,
// present whenever the sources are).
const BUNDLED_WORKER_FILE = 'load-worker.js';
let transpiled;
async function resolveWorkerUrl(explicit) {
    if (explicit)
        return explicit;
    const bundled = new URL(`./${BUNDLED_WORKER_FILE}`, import.meta.url);
    if (bundled.protocol === 'file:' && fs.existsSync(fileURLToPath(bundled)))
        return bundled;
    const source = new URL('./worker.ts', import.meta.url);
    if (source.protocol === 'file:' && fs.existsSync(fileURLToPath(source))) {
        return (transpiled ??= transpileWorker(fileURLToPath(source)));
    }
    throw new Error(`the load generator's worker is missing: expected ${fileURLToPath(bundled)} beside the bundle ` +
        `(rebuild dist with npm run build)`);
}
async function transpileWorker(entry) {
    // A computed specifier keeps bundlers from pulling TypeScript into dist.
    const specifier = 'typescript';
    const ts = (await import(specifier)).default;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memleak-load-worker-'));
    process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
    fs.writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}\n');
    const srcDir = path.dirname(entry);
    const pending = [path.basename(entry)];
    const done = new Set();
    while (pending.length > 0) {
        const file = pending.pop();
        if (done.has(file))
            continue;
        done.add(file);
        const code = fs.readFileSync(path.join(srcDir, file), 'utf8');
        for (const m of code.matchAll(/from '(\.[^']+)\.js'/g)) {
            const rel = m[1];
            if (!rel.startsWith('./') || rel.slice(2).includes('/')) {
                throw new Error(`load worker sources must only import from src/load: ${file} imports ${rel}.js`);
            }
            pending.push(`${rel.slice(2)}.ts`);
        }
        const out = ts.transpileModule(code, {
            compilerOptions: {
                module: ts.ModuleKind.ES2022,
                target: ts.ScriptTarget.ES2022,
                verbatimModuleSyntax: false,
            },
            fileName: file,
        });
        fs.writeFileSync(path.join(dir, file.replace(/\.ts$/, '.js')), out.outputText);
    }
    return pathToFileURL(path.join(dir, 'worker.js'));
}

// The built-in load generator, as the main thread sees it: worker threads do
// the HTTP; counters live in shared memory, so counts() is exact and instant
// even while the workers are saturated.
const DEFAULT_CONNECTIONS = 16;
const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_DEADLINE_MS = 60 * 60 * 1000;
const STOP_WAIT_MS = 2000;
/**
 * Long (over 80 lines) because the handle it returns (stats, reset, pause, stop)
 * closes over the workers and shared counters it sets up; split, that state would
 * be passed around between the halves.
 */
async function startLoad(options) {
    const connections = options.connections ?? DEFAULT_CONNECTIONS;
    const threads = Math.max(1, Math.min(options.threads ?? 1, connections));
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const pipeline = options.pipeline ?? 1;
    if (!Number.isInteger(pipeline) || pipeline < 1)
        throw new Error(`pipeline must be ≥ 1, got ${pipeline}`);
    const deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
    if (options.requests.length === 0)
        throw new Error('startLoad: no requests');
    if (!Number.isInteger(connections) || connections < 1)
        throw new Error(`connections must be ≥ 1, got ${connections}`);
    // The load only ever goes to the service on this machine.
    const host = '127.0.0.1';
    const workerUrl = await resolveWorkerUrl(options.workerUrl);
    const control = new SharedArrayBuffer(CTRL_SLOTS * 4);
    const ctrl = new Int32Array(control);
    if (options.rate !== undefined && !(options.rate > 0))
        throw new Error(`rate must be > 0, got ${options.rate}`);
    const encoded = options.requests.map((r) => compileRequest(r, `${host}:${options.port}`, options.headers));
    const labels = options.requests.map((r) => `${r.method} ${r.path.length > 60 ? `${r.path.slice(0, 60)}…` : r.path}`);
    const isHead = options.requests.map((r) => r.method === 'HEAD');
    const sections = [];
    const workers = [];
    const errorSamples = [];
    const started = [];
    const ended = [];
    for (let t = 0; t < threads; t++) {
        const counters = new SharedArrayBuffer(SLOTS * 4);
        sections.push(new Int32Array(counters));
        const config = {
            port: options.port,
            host,
            requests: encoded,
            isHead,
            labels,
            // Spread connections evenly: 16 over 3 threads is 6, 5, 5.
            connections: Math.floor(connections / threads) + (t < connections % threads ? 1 : 0),
            pipeline,
            timeoutMs,
            offset: Math.floor((t * options.requests.length) / threads),
            ...(options.rate ? { rate: options.rate / threads } : {}),
            counters,
            control,
            deadlineMs,
        };
        const worker = new Worker(workerUrl, { workerData: config, stdout: false, stderr: false });
        workers.push(worker);
        started.push(new Promise((resolve, reject) => {
            worker.on('message', (m) => {
                if (m.type === 'started')
                    resolve();
                else if (m.type === 'error-sample' && errorSamples.length < 10 && !errorSamples.includes(m.text)) {
                    errorSamples.push(m.text);
                }
            });
            worker.once('error', reject);
            worker.once('exit', (code) => reject(new Error(`load worker exited with code ${code} before starting`)));
        }));
        ended.push(new Promise((resolve) => {
            worker.once('exit', () => resolve());
        }));
    }
    const allEnded = Promise.all(ended).then(() => { });
    // A crash after start must not become an unhandled rejection; it shows as ended.
    for (const w of workers)
        w.on('error', () => { });
    let baseline = new Int32Array(SLOTS);
    let resetAt = performance.now();
    let stoppedAt;
    // Time spent paused since the last reset, and when the current pause began.
    let pausedMs = 0;
    let pausedAt;
    let finalStats;
    let stopping;
    const snapshot = () => {
        const all = new Int32Array(SLOTS);
        for (const s of sections)
            for (let i = 0; i < SLOTS; i++)
                all[i] += Atomics.load(s, i);
        return all;
    };
    // Requests and errors are summed from the status counts rather than read from their own
    // counters: the baseline is read while the workers run, and a response recorded between the
    // reads of two slots would otherwise make the totals and the status counts disagree by one.
    const countsOf = (now) => {
        let requests = 0;
        let errors = now[TRANSPORT_ERRORS] - baseline[TRANSPORT_ERRORS];
        for (let code = 0; code < STATUS_CODES; code++) {
            const c = now[STATUS + code] - baseline[STATUS + code];
            requests += c;
            if (code < 200 || code >= 400)
                errors += c;
        }
        return { requests, errors };
    };
    const computeStats = () => {
        const now = snapshot();
        const delta = (slot) => now[slot] - baseline[slot];
        const { requests, errors } = countsOf(now);
        const end = stoppedAt ?? performance.now();
        const durationMs = end - resetAt - pausedMs - (pausedAt === undefined ? 0 : end - pausedAt);
        const histogram = new Array(BUCKETS);
        for (let i = 0; i < BUCKETS; i++)
            histogram[i] = delta(HISTOGRAM + i);
        let maxUs = 0;
        const epoch = Atomics.load(ctrl, CTRL_EPOCH);
        // A worker's max belongs to the current period only once it has recorded a response in it.
        for (const s of sections)
            if (Atomics.load(s, MAX_EPOCH) === epoch)
                maxUs = Math.max(maxUs, Atomics.load(s, MAX_US));
        const statusCounts = {};
        for (let code = 0; code < STATUS_CODES; code++) {
            const c = delta(STATUS + code);
            if (c > 0)
                statusCounts[code === 0 ? 'other' : String(code)] = c;
        }
        const transport = delta(TRANSPORT_ERRORS);
        if (transport > 0)
            statusCounts.error = transport;
        const ms = (us) => Math.round(us) / 1000;
        return {
            requests,
            errors,
            durationMs: Math.round(durationMs),
            requestsPerSecond: durationMs > 0 ? Math.round((requests / durationMs) * 1000 * 10) / 10 : 0,
            latencyMs: {
                p50: ms(quantile$1(histogram, 0.5, maxUs)),
                p90: ms(quantile$1(histogram, 0.9, maxUs)),
                p99: ms(quantile$1(histogram, 0.99, maxUs)),
                max: ms(maxUs),
            },
            statusCounts,
            errorSamples: [...errorSamples],
        };
    };
    const stop = () => (stopping ??= (async () => {
        Atomics.store(ctrl, CTRL_STOP, 1);
        stoppedAt = performance.now();
        for (const w of workers)
            w.postMessage('stop');
        const timer = setTimeout(() => {
            for (const w of workers)
                void w.terminate();
        }, STOP_WAIT_MS);
        await allEnded;
        clearTimeout(timer);
        finalStats = computeStats();
        return finalStats;
    })());
    try {
        await Promise.all(started);
    }
    catch (err) {
        await stop();
        throw err;
    }
    // Past the deadline, make sure the threads are gone even if a worker hangs.
    const hardStop = setTimeout(() => void stop(), deadlineMs + STOP_WAIT_MS);
    void allEnded.then(() => {
        clearTimeout(hardStop);
        stoppedAt ??= performance.now();
    });
    const inFlight = () => sections.reduce((sum, s) => sum + Atomics.load(s, IN_FLIGHT), 0);
    return {
        counts: () => countsOf(snapshot()),
        resetStats: () => {
            Atomics.add(ctrl, CTRL_EPOCH, 1);
            baseline = snapshot();
            resetAt = performance.now();
            pausedMs = 0;
            if (pausedAt !== undefined)
                pausedAt = resetAt;
        },
        async pause(maxWaitMs = timeoutMs) {
            if (stopping || pausedAt !== undefined)
                return;
            Atomics.store(ctrl, CTRL_PAUSE, 1);
            pausedAt = performance.now();
            const until = pausedAt + maxWaitMs;
            while (inFlight() > 0 && performance.now() < until && !stopping) {
                await new Promise((resolve) => setTimeout(resolve, 1));
            }
        },
        resume() {
            if (pausedAt === undefined)
                return;
            pausedMs += performance.now() - pausedAt;
            pausedAt = undefined;
            Atomics.store(ctrl, CTRL_PAUSE, 0);
        },
        stats: () => finalStats ?? computeStats(),
        stop,
        ended: allEnded,
    };
}

// A busy port would make us measure whatever already listens there (often a
// previous run's leftover) instead of the freshly built service: refuse early.
/** True when something accepts connections on 127.0.0.1:port or holds the port. */
async function isPortInUse(port, host = '127.0.0.1') {
    if (await accepts(port, host))
        return true;
    // Nothing answered; a listen probe also catches a socket bound but not accepting.
    return !(await canListen(port, host));
}
/** The same for both sides: not a fault of either. */
class PortInUseError extends Error {
    name = 'PortInUseError';
}
async function assertPortFree(port) {
    if (await isPortInUse(port)) {
        throw new PortInUseError(`port ${port} is already in use on 127.0.0.1; stop whatever listens there or set the port input`);
    }
}
function accepts(port, host) {
    return new Promise((resolve) => {
        const socket = net.connect({ port, host });
        const done = (result) => {
            socket.destroy();
            resolve(result);
        };
        socket.setTimeout(1000, () => done(false));
        socket.once('connect', () => done(true));
        socket.once('error', () => done(false));
    });
}
function canListen(port, host) {
    return new Promise((resolve) => {
        const server = net.createServer();
        server.once('error', () => resolve(false));
        server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
    });
}

// The service's own listener, waited for besides pprof: a service whose pprof
// runs on a second port, or starts before its router, is not ready when pprof
// answers. Any HTTP answer counts (401, 404, 405: something is listening and
// speaks HTTP); only refused or silent connections mean "not yet".
const POLL_INTERVAL_MS$1 = 100;
const ATTEMPT_TIMEOUT_MS$1 = 1000;
async function waitListening(wait) {
    let lastProblem = 'no attempt finished';
    const exited = wait.exited.then(() => 'exited');
    for (;;) {
        wait.signal?.throwIfAborted();
        const remaining = wait.deadline - Date.now();
        const attempt = httpGet(wait.url, {
            timeoutMs: Math.max(50, Math.min(ATTEMPT_TIMEOUT_MS$1, remaining)),
            maxBytes: 64 * 1024,
            signal: wait.signal,
        }).then(() => 'answered', (error) => {
            const e = error;
            lastProblem = e.code ?? e.message;
            return 'failed';
        });
        const outcome = await Promise.race([attempt, exited]);
        if (outcome === 'exited')
            return wait.failExited();
        if (outcome === 'answered')
            return;
        wait.signal?.throwIfAborted();
        if (Date.now() >= wait.deadline)
            wait.fail(lastProblem);
        const pause = new Promise((r) => setTimeout(r, Math.min(POLL_INTERVAL_MS$1, Math.max(0, wait.deadline - Date.now()))));
        if ((await Promise.race([pause.then(() => 'slept'), exited])) === 'exited')
            return wait.failExited();
    }
}

// The service's process group: stopped with a grace before SIGKILL, and killed
// with our own process if we end first (a cancelled job), so no process of it
// outlives the run.
const STOP_GRACE_MS = 3000;
const KILL_WAIT_MS = 10_000;
/**
 * Stops the group: SIGTERM (or the sandbox scope's terminate), SIGKILL after a
 * grace, then whatever is left of the group and the scope.
 */
async function stopGroup(pid, exited, hasExited, scope) {
    try {
        if (!hasExited()) {
            if (scope)
                await scope.terminate();
            else
                signalGroup(pid, 'SIGTERM');
            if (!(await within$1(exited, STOP_GRACE_MS))) {
                if (scope)
                    await scope.killAll();
                signalGroup(pid, 'SIGKILL');
                if (!(await within$1(exited, KILL_WAIT_MS))) {
                    throw new Error(`service (pid ${pid}) did not exit ${formatSeconds(KILL_WAIT_MS)} after SIGKILL`);
                }
            }
        }
        // Children the service started share its group and may outlive it; in a sandbox
        // scope, also those that left the group (setsid): the whole cgroup is killed.
        signalGroup(pid, 'SIGKILL');
        if (scope)
            await scope.killAll();
    }
    finally {
        if (hasExited())
            unregisterGroup(pid);
    }
}
function signalGroup(pgid, signal) {
    try {
        process.kill(-pgid, signal);
    }
    catch (err) {
        // EPERM: a group of another user (the sandbox's, started through sudo); its scope kills it.
        const code = err.code;
        if (code !== 'ESRCH' && code !== 'EPERM')
            throw err;
    }
}
async function within$1(p, ms) {
    let timer;
    const timeout = new Promise((resolve) => (timer = setTimeout(() => resolve(false), ms)));
    try {
        return await Promise.race([p.then(() => true), timeout]);
    }
    finally {
        clearTimeout(timer);
    }
}
// Safety net: process groups still running when our process ends are killed.
// 'exit' covers normal ends and process.exit(); the signal handlers cover a
// cancelled job (SIGINT/SIGTERM), after which the signal is re-raised so that
// our process still ends the way it would have without us.
const liveGroups = new Set();
const SIGNALS$1 = ['SIGINT', 'SIGTERM', 'SIGHUP'];
function killAllSync() {
    for (const pgid of liveGroups) {
        try {
            process.kill(-pgid, 'SIGKILL');
        }
        catch {
            // already gone
        }
    }
    liveGroups.clear();
}
function onSignal(signal) {
    killAllSync();
    removeHandlers();
    if (process.listenerCount(signal) === 0)
        process.kill(process.pid, signal);
}
function removeHandlers() {
    process.removeListener('exit', killAllSync);
    for (const s of SIGNALS$1)
        process.removeListener(s, onSignal);
}
function registerGroup(pgid) {
    if (liveGroups.size === 0) {
        process.on('exit', killAllSync);
        for (const s of SIGNALS$1)
            process.on(s, onSignal);
    }
    liveGroups.add(pgid);
}
function unregisterGroup(pgid) {
    if (!liveGroups.delete(pgid))
        return;
    if (liveGroups.size === 0)
        removeHandlers();
}

// Lifecycle of the service under test: spawn it in its own process group with its
// output in a log, wait until it answers, and make sure that whatever happens
// (stop, readiness failure, our own death) no process of that group survives.
/** The service could not be started or never became ready; it has been stopped. */
class ServiceStartError extends Error {
    logTail;
    exit;
    lastAttempt;
    name = 'ServiceStartError';
    constructor(message, logTail, exit, 
    /** What the last readiness attempt got: "HTTP 404", "ECONNREFUSED", ... */
    lastAttempt) {
        super(message);
        this.logTail = logTail;
        this.exit = exit;
        this.lastAttempt = lastAttempt;
    }
}
const POLL_INTERVAL_MS = 100;
const ATTEMPT_TIMEOUT_MS = 1000;
const NOT_FOUND_GRACE_MS = 5000;
async function startService(options) {
    options.signal?.throwIfAborted();
    await assertPortFree(options.port);
    const scope = options.scope;
    const spec = scope
        ? scope.wrap(options.binary, options.args, options.env)
        : { command: options.binary, args: options.args, env: options.env };
    // Opened by us: the sandbox user writes the log through this descriptor, not by its path.
    const logFd = fs.openSync(options.logPath, 'w');
    let child;
    try {
        child = spawn(spec.command, spec.args, {
            cwd: options.cwd,
            env: spec.env,
            detached: true,
            stdio: ['ignore', logFd, logFd],
            // Root on macOS: node itself switches to the sandbox user.
            ...(spec.uid !== undefined && spec.gid !== undefined ? { uid: spec.uid, gid: spec.gid } : {}),
        });
    }
    finally {
        fs.closeSync(logFd);
    }
    const logTail = (lines = 30) => readLogTail(options.logPath, lines);
    if (child.pid === undefined) {
        const err = await new Promise((resolve) => child.once('error', resolve));
        throw new ServiceStartError(`could not start the service ${options.binary}: ${err.message}`, logTail());
    }
    const pid = child.pid;
    registerGroup(pid);
    let exitStatus;
    const exited = new Promise((resolve) => {
        child.once('exit', (code, signal) => {
            exitStatus = { code, signal };
            resolve(exitStatus);
        });
    });
    // After a successful spawn 'error' only reports a failed kill(); stop() handles that.
    child.on('error', () => { });
    let stopping;
    const stop = () => (stopping ??= stopGroup(pid, exited, () => exitStatus !== undefined, scope));
    const onAbort = () => void stop();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    void exited.then(() => {
        options.signal?.removeEventListener('abort', onAbort);
        // The leader is gone; sweep anything it left in its group.
        void stop();
    });
    const handle = {
        pid,
        logPath: options.logPath,
        stop,
        exited,
        exitStatus: () => exitStatus,
        logTail,
    };
    try {
        await waitReady(options, handle);
    }
    catch (err) {
        await stop();
        throw err;
    }
    // Under sudo the process we spawned is sudo; the service is the process it started.
    if (scope)
        handle.pid = scope.mainPid(pid);
    return handle;
}
async function waitReady(options, handle) {
    const started = Date.now();
    const deadline = started + options.readyTimeoutMs;
    let lastProblem = 'no attempt finished';
    let notFoundSince;
    const notFoundGraceMs = options.notFoundGraceMs ?? NOT_FOUND_GRACE_MS;
    const exitedEarly = handle.exited.then((exit) => ({ exit }));
    for (;;) {
        options.signal?.throwIfAborted();
        const remaining = deadline - Date.now();
        const attempt = httpGet(options.readyUrl, {
            timeoutMs: Math.max(50, Math.min(ATTEMPT_TIMEOUT_MS, remaining)),
            maxBytes: 64 * 1024,
            signal: options.signal,
        }).then((res) => ({ res }), (error) => ({ error }));
        const outcome = await Promise.race([attempt, exitedEarly]);
        if ('exit' in outcome) {
            throw new ServiceStartError(`service ${describeExit(outcome.exit)} before it was ready; last log lines:\n${handle.logTail()}`, handle.logTail(), outcome.exit);
        }
        if ('res' in outcome) {
            if (outcome.res.status >= 200 && outcome.res.status < 300) {
                if (options.listenUrl)
                    await waitForListener(options, handle, deadline);
                return;
            }
            lastProblem = `HTTP ${outcome.res.status}`;
            if (outcome.res.status !== 404)
                notFoundSince = undefined;
            else if ((notFoundSince ??= Date.now()) + notFoundGraceMs <= Date.now()) {
                throw new ServiceStartError(`service answers 404 at ${options.readyUrl} (for ${formatSeconds(Date.now() - notFoundSince)}): ` +
                    `is the ready-url right? Last log lines:\n${handle.logTail()}`, handle.logTail(), undefined, lastProblem);
            }
        }
        else {
            notFoundSince = undefined;
            options.signal?.throwIfAborted();
            const e = outcome.error;
            lastProblem = e.code ?? e.message;
        }
        if (Date.now() >= deadline) {
            throw new ServiceStartError(`service did not answer 2xx at ${options.readyUrl} within ${formatSeconds(options.readyTimeoutMs)} ` +
                `(last attempt: ${lastProblem}); last log lines:\n${handle.logTail()}`, handle.logTail(), undefined, lastProblem);
        }
        await Promise.race([sleep$2(Math.min(POLL_INTERVAL_MS, Math.max(0, deadline - Date.now()))), exitedEarly]);
    }
}
function waitForListener(options, handle, deadline) {
    return waitListening({
        url: options.listenUrl,
        deadline,
        exited: handle.exited,
        signal: options.signal,
        fail: (lastProblem) => {
            throw new ServiceStartError(`service answered at ${options.readyUrl} but nothing answered at ${options.listenUrl} within ` +
                `${formatSeconds(options.readyTimeoutMs)} (last attempt: ${lastProblem}): does the service listen on ` +
                `the port input (it is given as PORT, and \${PORT} in args)? Last log lines:\n${handle.logTail()}`, handle.logTail(), undefined, lastProblem);
        },
        failExited: async () => {
            const exit = await handle.exited;
            throw new ServiceStartError(`service ${describeExit(exit)} before it was ready; last log lines:\n${handle.logTail()}`, handle.logTail(), exit);
        },
    });
}
function describeExit(exit) {
    return exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
}
function sleep$2(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
}
/** The last lines of a log file, reading only its end. */
function readLogTail(path, lines) {
    let fd;
    try {
        fd = fs.openSync(path, 'r');
        const size = fs.fstatSync(fd).size;
        const length = Math.min(size, 64 * 1024);
        const buf = Buffer.alloc(length);
        fs.readSync(fd, buf, 0, length, size - length);
        const all = buf.toString('utf8').replace(/\n$/, '').split('\n');
        if (length < size)
            all.shift(); // probably a partial line
        const tail = all.slice(-lines).map((l) => (l.length > 500 ? `${l.slice(0, 500)}…` : l));
        return tail.join('\n') || '(log is empty)';
    }
    catch {
        return '(no log)';
    }
    finally {
        if (fd !== undefined)
            fs.closeSync(fd);
    }
}

// Resident memory and open descriptors of the service, read from outside the
// process so they cost the service nothing: /proc on Linux, ps and lsof on macOS.
const TOOL_TIMEOUT_MS = 10_000;
async function processStats(pid, platform = process.platform) {
    if (platform === 'linux') {
        const status = await fs$1.readFile(`/proc/${pid}/status`, 'utf8');
        const rssBytes = parseProcStatusRss(status);
        if (rssBytes === undefined)
            throw new Error(`no VmRSS line in /proc/${pid}/status (a zombie process?)`);
        let openFds = null;
        try {
            openFds = (await fs$1.readdir(`/proc/${pid}/fd`)).length;
        }
        catch {
            // another user's process, or /proc mounted with hidepid
        }
        return { rssBytes, openFds };
    }
    const rssBytes = parsePsRss(await run$1('ps', ['-o', 'rss=', '-p', String(pid)]));
    if (rssBytes === undefined)
        throw new Error(`ps printed no resident size for pid ${pid} (has it exited?)`);
    let openFds = null;
    try {
        // -n -P: no DNS or port-name lookups (slow, irrelevant); -F f: one parseable line per descriptor.
        openFds = parseLsofCount(await run$1('lsof', ['-n', '-P', '-p', String(pid), '-F', 'f']));
    }
    catch {
        // no lsof on this machine
    }
    return { rssBytes, openFds };
}
/** VmRSS of /proc/<pid>/status, in bytes (the file says kB, meaning KiB). */
function parseProcStatusRss(status) {
    const m = /^VmRSS:\s+(\d+)\s*kB/m.exec(status);
    return m ? Number(m[1]) * 1024 : undefined;
}
/** Output of `ps -o rss= -p PID`: resident size in KiB, possibly padded. */
function parsePsRss(output) {
    const m = /^\s*(\d+)\s*$/m.exec(output);
    return m ? Number(m[1]) * 1024 : undefined;
}
/**
 * Open file descriptors in the output of `lsof -p PID`, either the table or the
 * field form (`-F f`: a `p<pid>` line, then `f<fd>` lines). Only rows whose FD
 * is a number (0r, 3u, 12w) count: cwd, txt and memory-mapped rows are not
 * descriptors, and counting them (or "lines minus header") would add a constant
 * that differs from Linux's /proc/<pid>/fd count.
 */
function parseLsofCount(output) {
    const lines = output.split('\n').filter((l) => l.trim() !== '');
    if (lines.length === 0)
        return 0;
    if (/^p\d+$/.test(lines[0]))
        return lines.filter((l) => /^f\d+$/.test(l)).length;
    // Table: COMMAND PID USER FD TYPE ...; the first line is the header.
    return lines.slice(1).filter((l) => /^\d/.test(l.trim().split(/\s+/)[3] ?? '')).length;
}
function run$1(cmd, args) {
    return new Promise((resolve, reject) => {
        execFile(cmd, args, { timeout: TOOL_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 }, (err, stdout) => {
            // ps exits 1 when the pid is gone; lsof exits 1 when some files could not be listed.
            if (err && stdout === '')
                reject(err);
            else
                resolve(stdout);
        });
    });
}

// Scraping net/http/pprof: raw bytes only. Decoding waits until both sides are
// measured so that it never competes with the service for CPU.
/** pprof is missing or answers something that is not pprof. */
class PprofUnavailableError extends Error {
    name = 'PprofUnavailableError';
}
const PROFILE_TIMEOUT_MS = 30_000;
const DUMP_TIMEOUT_MS = 60_000;
const DUMP_MAX_BYTES = 64 * 1024 * 1024;
function pprofHint(pprofUrl) {
    return (`pprof is not served at ${pprofUrl}: import _ "net/http/pprof" ` +
        `(Gin: r.Any("/debug/pprof/*any", gin.WrapH(http.DefaultServeMux)))`);
}
/** Fails with a message that says how to fix it when heap?debug=1 is not a heap profile. */
async function checkPprof(pprofUrl, signal) {
    const url = `${pprofUrl}/heap?debug=1`;
    let res;
    try {
        res = await httpGet(url, { timeoutMs: PROFILE_TIMEOUT_MS, maxBytes: 4096, signal });
    }
    catch (err) {
        signal?.throwIfAborted();
        throw new PprofUnavailableError(`pprof at ${url} did not answer: ${err.message}`);
    }
    if (res.status === 404)
        throw new PprofUnavailableError(pprofHint(pprofUrl));
    if (res.status !== 200)
        throw new PprofUnavailableError(`pprof at ${url} answered HTTP ${res.status}`);
    if (!res.body.toString('latin1', 0, 64).startsWith('heap profile:')) {
        throw new PprofUnavailableError(`${url} answered 200 but not with a heap profile (a catch-all route?); ${pprofHint(pprofUrl)}`);
    }
}
/** A profile that must be there: non-200 is an error. */
async function fetchBytes(url, timeoutMs, signal) {
    const res = await httpGet(url, { timeoutMs, signal });
    if (res.status !== 200) {
        throw new Error(`GET ${url} answered HTTP ${res.status}: ${res.body.toString('utf8', 0, 200).trim()}`);
    }
    // A copy: small Buffers share Node's pool, and consumers may look at .buffer.
    return new Uint8Array(res.body);
}
/** An optional profile or dump: undefined when it is not served (404) or fails. */
async function fetchOptional(url, timeoutMs, signal, maxBytes = DUMP_MAX_BYTES) {
    try {
        const res = await httpGet(url, { timeoutMs, signal, maxBytes });
        if (res.status === 404)
            return {};
        if (res.status !== 200)
            return { problem: `GET ${url} answered HTTP ${res.status}` };
        return { body: res.body, problem: res.truncated ? `GET ${url}: cut at ${maxBytes} bytes` : undefined };
    }
    catch (err) {
        signal?.throwIfAborted();
        return { problem: err.message };
    }
}

// The one line per snapshot that tells a user watching the job that the
// measurement is alive and sane: `base S3/6  30.1s/60s  12,345 req/s  0 errors  live heap 4.2 MB`.
/** HeapAlloc from the MemStats footer of heap?debug=1, without decoding the profile. */
function parseHeapAlloc(heapText) {
    if (!heapText)
        return undefined;
    const m = /^# HeapAlloc = (\d+)/m.exec(heapText);
    return m ? Number(m[1]) : undefined;
}
function formatSecs(ms) {
    return `${(ms / 1000).toFixed(1)}s`;
}
function formatProgress(p) {
    const heap = p.heapAlloc === undefined ? 'live heap ?' : `live heap ${formatDecimalBytes(p.heapAlloc)}`;
    const rss = p.rssBytes === undefined ? '' : `  RSS ${formatDecimalBytes(p.rssBytes)}`;
    const when = p.label === 'Sf'
        ? `${p.side} Sf  settled`
        : p.total === undefined
            ? `${p.side} ${p.label}  ${formatSecs(p.elapsedMs)} (at most ${formatSecs(p.durationMs).replace(/\.0s$/, 's')})`
            : `${p.side} ${p.label}/${p.total}  ${formatSecs(p.elapsedMs)}/${formatSecs(p.durationMs).replace(/\.0s$/, 's')}`;
    const rate = p.label === 'Sf' ? '' : `  ${formatGrouped(p.requestsPerSecond)} req/s`;
    return `${when}${rate}  ${formatGrouped(p.errors)} errors  ${heap}${rss}`;
}

/** Above this share of failed requests the measurement is not trustworthy. */
const MAX_ERROR_FRACTION = 0.01;
function errorFraction(stats) {
    const attempts = stats.requests + (stats.statusCounts.error ?? 0);
    return attempts === 0 ? 0 : stats.errors / attempts;
}
/** Reasons the load makes this measurement untrustworthy, in words for the report. */
function loadProblems(stats, snapshots) {
    const problems = [];
    if (stats.requests === 0) {
        problems.push({ kind: 'no-answer', text: 'the service answered no request during the measured load' });
    }
    else {
        const fraction = errorFraction(stats);
        if (fraction > MAX_ERROR_FRACTION) {
            const breakdown = Object.entries(stats.statusCounts)
                .filter(([status]) => !/^[23]\d\d$/.test(status))
                .map(([status, n]) => `${status === 'error' ? 'transport errors' : `HTTP ${status}`}: ${formatGrouped(n)}`)
                .join(', ');
            const example = stats.errorSamples[0] ? `; e.g. ${stats.errorSamples[0]}` : '';
            problems.push({
                kind: 'failed-requests',
                text: `${(fraction * 100).toFixed(1)}% of requests failed (${breakdown})${example}: ` +
                    'errors take other code paths than successes, so the allocation and leak figures may not reflect the real service',
            });
        }
    }
    for (let i = 1; i < snapshots.length; i++) {
        if (snapshots[i].requests === snapshots[i - 1].requests && stats.requests > 0) {
            problems.push({
                kind: 'stalled',
                text: `no request completed between ${snapshots[i - 1].label} and ${snapshots[i].label}: the service stopped answering for a while`,
            });
            break;
        }
    }
    return problems;
}

// One side's snapshot schedule: start the service, load it, take snapshots on a
// schedule while the load runs, let it settle, take the "released after GC?"
// snapshot, stop everything. Only raw bytes and counters come out.
const RUNTIME_ENV = ['GOGC', 'GOMEMLIMIT', 'GODEBUG', 'GOMAXPROCS'];
const DEADLINE_MARGIN_MS = 5 * 60 * 1000;
/**
 * The pause between the load's end and Sf. Measured on the fixture services with heap?gc=1
 * at 0-2000 ms after the stop: inuse_space is the same from 100 ms on (the only drop, sync.Pool's
 * victim cache, follows the number of GCs, not time), and the server's connection goroutines
 * are gone within 10 ms. 250 ms covers both with room; it was 2 s.
 */
const SETTLE_MS = 250;
/** A CPU profile this long has thousands of samples on a busy service; longer only costs memory. */
const CPU_PROFILE_MAX_SECONDS = 10;
/**
 * With sequential stopping a side may be done within seconds: a profile that outlasts it would
 * hold the side. 3 s on a busy service is still hundreds of samples, which offheap.ts needs.
 */
const CPU_PROFILE_SEQUENTIAL_SECONDS = 3;
/** Thrown inside captureSide when the service exits; turned into ServiceCrashedError. */
class Exited extends Error {
    exit;
    constructor(exit) {
        super('service exited');
        this.exit = exit;
    }
}
/**
 * Runs one side's schedule; a crash or a stop is thrown (ServiceCrashedError,
 * MeasurementStoppedError) with what was taken so far, and measureSide (side.ts)
 * turns it into an outcome. Long because the schedule is one sequence in time
 * (start, warm up, S0..Sn, dumps, settle, Sf) racing the service's exit and the
 * stop signal at every await; split up, its shared state would be passed around.
 */
async function captureSide(opts, log) {
    const side = opts.side;
    const pprofUrl = opts.pprofUrl.replace(/\/+$/, '');
    const count = Math.max(1, Math.floor(opts.snapshots));
    const settleMs = opts.settleMs ?? SETTLE_MS;
    let traceSeconds = Math.max(0, Math.min(opts.traceSeconds ?? 0, Math.floor(opts.durationMs / 1000)));
    const logPath = join$1(opts.workDir, `${side}-service.log`);
    const signal = opts.signal;
    const runtimeEnv = Object.fromEntries(RUNTIME_ENV.filter((k) => opts.env[k] !== undefined).map((k) => [k, opts.env[k]]));
    mkdirSync(opts.workDir, { recursive: true });
    log(`${side}: starting ${opts.binary} (port ${opts.port}, log ${logPath})`);
    const startedAt = Date.now();
    let service;
    try {
        service = await startService({
            binary: opts.binary,
            args: opts.args,
            cwd: opts.cwd,
            env: opts.env,
            logPath,
            port: opts.port,
            readyUrl: opts.readyUrl,
            ...(opts.listenUrl ? { listenUrl: opts.listenUrl } : {}),
            readyTimeoutMs: opts.readyTimeoutMs,
            signal,
            scope: opts.scope,
        });
    }
    catch (err) {
        // The default ready-url is pprof's index: a 404 there means pprof is missing, not slowness.
        if (err instanceof ServiceStartError &&
            err.lastAttempt === 'HTTP 404' &&
            opts.readyUrl.startsWith(pprofUrl)) {
            throw new PprofUnavailableError(`${pprofHint(pprofUrl)} (${opts.readyUrl} answers 404)`);
        }
        throw err;
    }
    const readyAt = Date.now();
    log(`${side}: ready after ${formatSeconds(readyAt - startedAt)} (pid ${service.pid})`);
    const exited = service.exited.then((exit) => {
        throw new Exited(exit);
    });
    exited.catch(() => { });
    const aborted = new Promise((_, reject) => {
        if (!signal)
            return;
        const onAbort = () => reject(signal.reason);
        if (signal.aborted)
            onAbort();
        else
            signal.addEventListener('abort', onAbort, { once: true });
    });
    aborted.catch(() => { });
    /** Waits for p, unless the service exits or the signal aborts first. */
    const guard = (p) => Promise.race([p, exited, aborted]);
    const sleepUntil = (t) => guard(sleep$1(Math.max(0, t - performance.now())));
    let load;
    const snapshots = [];
    let t0 = performance.now();
    let measuring = false;
    try {
        await guard(checkPprof(pprofUrl, signal));
        load = await guard(startLoad({
            port: opts.port,
            requests: opts.requests,
            headers: opts.headers,
            rate: opts.rate,
            connections: opts.connections,
            timeoutMs: opts.requestTimeoutMs,
            threads: opts.loadThreads,
            workerUrl: opts.loadWorkerUrl,
            deadlineMs: opts.warmupMs + opts.durationMs + traceSeconds * 1000 + DEADLINE_MARGIN_MS,
        }));
        const activeLoad = load;
        const capped = opts.rate ? `, at most ${formatGrouped(opts.rate)} requests/s` : '';
        log(`${side}: warming up for ${formatSeconds(opts.warmupMs)} with ${opts.connections} connections${capped}`);
        let trace;
        const startTrace = () => {
            const url = `${pprofUrl}/trace?seconds=${traceSeconds}`;
            log(`${side}: tracing for ${traceSeconds} s`);
            trace = fetchOptional(url, traceSeconds * 1000 + PROFILE_TIMEOUT_MS, signal, 512 * 1024 * 1024);
            trace.catch(() => { });
        };
        const warmupStart = performance.now();
        // Sequentially the side's length is not known, and the trace handler's own allocations in a
        // window would read as head's (base is not traced): the trace is taken in the warmup's last
        // seconds, as many whole ones as fit, so the warmup keeps its length.
        // None at all when none fits: never inside the windows.
        if (opts.stopRule)
            traceSeconds = Math.max(0, Math.min(traceSeconds, Math.floor((opts.warmupMs - 250) / 1000)));
        if (opts.stopRule && traceSeconds > 0) {
            await sleepUntil(warmupStart + opts.warmupMs - traceSeconds * 1000 - 250);
            startTrace();
            await guard(trace);
        }
        await sleepUntil(warmupStart + opts.warmupMs);
        const warm = activeLoad.counts();
        const warmRate = (warm.requests / Math.max(1, performance.now() - warmupStart)) * 1000;
        activeLoad.resetStats();
        t0 = performance.now();
        measuring = true;
        // The load holds while a snapshot is taken, with nothing in flight: the forced GC and the
        // scrape of a large heap take seconds, and requests served meanwhile would fall into the
        // next window's allocations but this window's count (bytes per request read high, then low).
        const take = async (label) => {
            await guard(activeLoad.pause());
            const counts = activeLoad.counts();
            const elapsedMs = Math.round(performance.now() - t0);
            let heap;
            let text;
            let goroutine;
            let stats;
            try {
                heap = await guard(fetchBytes(`${pprofUrl}/heap?gc=1`, PROFILE_TIMEOUT_MS, signal));
                text = await guard(fetchOptional(`${pprofUrl}/heap?debug=1`, PROFILE_TIMEOUT_MS, signal));
                goroutine = await guard(fetchOptional(`${pprofUrl}/goroutine`, PROFILE_TIMEOUT_MS, signal));
                stats = await guard(processStats(service.pid).catch(() => undefined));
            }
            finally {
                activeLoad.resume();
            }
            const snapshot = {
                label,
                elapsedMs,
                requests: counts.requests,
                errors: counts.errors,
                heap,
            };
            if (goroutine.body)
                snapshot.goroutine = new Uint8Array(goroutine.body);
            if (text.body)
                snapshot.heapText = text.body.toString('utf8');
            if (stats)
                snapshot.process = stats;
            return snapshot;
        };
        const interval = opts.durationMs / count;
        const progress = (s, index, rate) => log(formatProgress({
            side,
            label: s.label,
            index,
            ...(opts.stopRule ? {} : { total: count }),
            elapsedMs: s.elapsedMs,
            durationMs: opts.durationMs,
            requestsPerSecond: rate,
            errors: s.errors,
            heapAlloc: parseHeapAlloc(s.heapText),
            rssBytes: s.process?.rssBytes,
        }));
        const traceAt = t0 + Math.max(0, (opts.durationMs - traceSeconds * 1000) / 2);
        const s0 = await take('S0');
        snapshots.push(s0);
        progress(s0, 0, warmRate);
        // Where the service maps memory, calls C and faults new pages in: the only pointer to
        // an own line when RSS grows outside the Go heap. It ends before the load does.
        const cpuSeconds = Math.min(opts.stopRule ? CPU_PROFILE_SEQUENTIAL_SECONDS : CPU_PROFILE_MAX_SECONDS, Math.floor(opts.durationMs / 1000) - 1);
        const cpu = cpuSeconds > 0
            ? fetchOptional(`${pprofUrl}/profile?seconds=${cpuSeconds}`, cpuSeconds * 1000 + PROFILE_TIMEOUT_MS, signal)
            : undefined;
        cpu?.catch(() => { });
        // Fixed: `count` snapshots evenly over the duration. Sequential: whenever the rule says.
        let call = opts.stopRule?.(snapshots);
        for (let i = 1; call ? call.action === 'continue' : i <= count; i++) {
            const due = t0 + (call?.action === 'continue' ? call.nextDueMs : i * interval);
            if (traceSeconds > 0 && !trace && traceAt < due) {
                await sleepUntil(traceAt);
                startTrace();
            }
            await sleepUntil(due);
            const s = await take(`S${i}`);
            const prev = snapshots[snapshots.length - 1];
            snapshots.push(s);
            progress(s, i, ((s.requests - prev.requests) / Math.max(1, s.elapsedMs - prev.elapsedMs)) * 1000);
            if (call)
                call = opts.stopRule(snapshots);
        }
        const finish = call?.action === 'stop'
            ? { reason: call.reason, why: call.why, trendAlpha: call.trendAlpha }
            : undefined;
        if (finish)
            log(`${side}: stopped at ${formatSeconds(snapshots.at(-1).elapsedMs)}: ${finish.why}`);
        const measuredMs = performance.now() - t0;
        // Near the end, while the load still runs: who is waiting where, and Go 1.26's leak detector.
        const dump = await guard(fetchOptional(`${pprofUrl}/goroutine?debug=2`, DUMP_TIMEOUT_MS, signal));
        const leak = await guard(fetchOptional(`${pprofUrl}/goroutineleak`, DUMP_TIMEOUT_MS, signal));
        const traced = trace ? await guard(trace) : undefined;
        const cpuProfile = cpu ? await guard(cpu) : undefined;
        const loadStats = await activeLoad.stop();
        measuring = false;
        log(`${side}: load done: ${formatGrouped(loadStats.requests)} requests in ${formatSeconds(loadStats.durationMs)} ` +
            `(${formatGrouped(loadStats.requestsPerSecond)} req/s, p50 ${loadStats.latencyMs.p50} ms, ` +
            `p99 ${loadStats.latencyMs.p99} ms), ${formatGrouped(loadStats.errors)} errors; settling ${formatSeconds(settleMs)}`);
        await sleepUntil(performance.now() + settleMs);
        const settled = await take('Sf');
        progress(settled, snapshots.length, 0);
        const typed = loadProblems(loadStats, snapshots);
        const problems = typed.map((p) => p.text);
        for (const p of [dump.problem, leak.problem, traced?.problem])
            if (p)
                problems.push(p);
        for (const p of problems)
            log(`${side}: warning: ${p}`);
        const result = {
            side,
            snapshots,
            settled,
            load: loadStats,
            logPath,
            runtimeEnv,
            errorFraction: errorFraction(loadStats),
        };
        if (finish)
            result.finish = finish;
        result.phases = {
            startMs: readyAt - startedAt,
            warmupMs: Math.round(t0 - warmupStart),
            measuredMs: Math.round(measuredMs),
            settleMs: Math.round(performance.now() - t0 - measuredMs),
        };
        if (problems.length > 0)
            result.problems = problems;
        if (typed.length > 0)
            result.loadProblems = typed;
        if (dump.body)
            result.goroutineDump = dump.body.toString('utf8');
        if (leak.body)
            result.goroutineLeak = new Uint8Array(leak.body);
        if (cpuProfile?.body)
            result.cpuProfile = new Uint8Array(cpuProfile.body);
        if (traced?.body)
            result.trace = new Uint8Array(traced.body);
        return result;
    }
    catch (err) {
        // A failed scrape is often the first sign of a crash: give the exit a moment to be seen.
        if (signal?.aborted) {
            // Stopped from outside (even if the safety net killed the service on the way): keep the
            // snapshots taken so far, with the load counted up to now, for a partial report.
            const loadStats = await load?.stop().catch(() => undefined);
            throw new MeasurementStoppedError(signal.reason instanceof Error ? signal.reason.message : String(signal.reason), side, logPath, snapshots, measuring ? Math.round(performance.now() - t0) : -1, opts.durationMs, loadStats);
        }
        const exit = err instanceof Exited ? err.exit : (service.exitStatus() ?? (await within(service.exited, 500)));
        if (!exit)
            throw err;
        const loadStats = await load?.stop();
        const elapsedMs = Math.round(performance.now() - t0);
        const when = measuring
            ? `${formatSeconds(elapsedMs)} into the measured load`
            : load
                ? 'during warmup or after the load'
                : 'before the load started';
        const served = loadStats ? ` after ${formatGrouped(loadStats.requests)} measured requests` : '';
        // The kernel's OOM killer at the memory-limit: the leak took the service down, not the runner.
        const exitDescription = opts.scope?.oomKilled()
            ? `was killed at ${formatMemoryLimit(opts.scope.memoryLimit)} (the memory-limit input)${served}, ${when}`
            : `${describeExit(exit)} ${when}${served}`;
        throw new ServiceCrashedError(`${side}: the service ${exitDescription}; last log lines:\n${service.logTail()}`, side, exit, service.logTail(), logPath, snapshots, measuring ? elapsedMs : -1, loadStats);
    }
    finally {
        await load?.stop();
        await service.stop();
    }
}
function sleep$1(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
}
async function within(p, ms) {
    let timer;
    try {
        return await Promise.race([
            p,
            new Promise((r) => (timer = setTimeout(() => r(undefined), ms))),
        ]);
    }
    finally {
        clearTimeout(timer);
    }
}

/**
 * Measures one side. A crash under load or a stop (the deadline, a cancelled job)
 * is an outcome, with the snapshots taken before; anything else (the service never
 * started, pprof is missing) is thrown.
 */
async function measureSide(opts, log) {
    try {
        return { kind: 'measured', side: opts.side, measurement: await captureSide(opts, log) };
    }
    catch (error) {
        if (error instanceof ServiceCrashedError) {
            return { kind: 'crashed', side: opts.side, crash: error, ...withMeasurement(error) };
        }
        if (error instanceof MeasurementStoppedError) {
            return { kind: 'stopped', side: opts.side, stop: error, ...withMeasurement(error) };
        }
        throw error;
    }
}
function withMeasurement(cut) {
    const measurement = partialMeasurement(cut);
    return measurement ? { measurement } : {};
}
/**
 * The snapshots a side cut short took, as a measurement; undefined when it took none.
 * Even one or two are kept: the analysis copes with so few (it says they show no
 * trend), and analysing them keeps the other side's measurement in the report.
 */
function partialMeasurement(cut) {
    if (cut.snapshots.length === 0)
        return undefined;
    const crashed = cut instanceof ServiceCrashedError;
    // A stopped side's snapshots are all sound: every one counts as a point of the load (two give a
    // window of allocation per request). A crashed side's last one stands in for the settled one.
    const snapshots = crashed ? cut.snapshots.slice(0, -1) : cut.snapshots;
    return {
        side: cut.side,
        snapshots,
        // No settled snapshot: the last one stands in, so "released after GC?" reads as "not released".
        settled: cut.snapshots[cut.snapshots.length - 1],
        load: cut.load ?? NO_LOAD,
        logPath: cut.logPath,
        runtimeEnv: {},
        // A stopped run says so once for every side (stoppedNote), not per side.
        ...(crashed
            ? {
                problems: [
                    `the service crashed ${cut.snapshots.length} snapshots into the run; figures cover the time before`,
                ],
            }
            : {}),
    };
}

// When to take snapshots, and how much of alpha each look at them may spend, for
// a side measured sequentially (issue 16): at most `duration`, stopping as soon
// as the answer is known. Pure arithmetic on times; no I/O.
//
// The rule is Lan-DeMets error spending (Lan & DeMets 1983, "Discrete sequential
// boundaries for clinical trials", Biometrika 70(3):659-663) with the Pocock-type
// spending function alpha*(t) = alpha * ln(1 + (e - 1) t), where the information
// time t is the elapsed share of the longest measurement (Jennison & Turnbull 2000,
// "Group Sequential Methods with Applications to Clinical Trials", ch. 7). Each
// interim look tests at the increment alpha*(t_k) - alpha*(t_prev), so by the union
// bound the chance that any look rejects a healthy side is at most alpha whatever
// the correlation between looks: the exact joint law of Mann-Kendall statistics
// under a noise floor is not needed, and the number and timing of looks may vary.
/** First interval after S0: a 1 KiB/request leak is visible within a second or two. */
const FIRST_INTERVAL_MS = 500;
/** Each interval is this much longer than the one before (denser early). */
const INTERVAL_GROWTH = 1.25;
/** A last interval shorter than this share of its planned length is merged into the one before. */
const MERGE_SHARE = 0.5;
/**
 * Due time of snapshot S_index (index >= 1), in ms after S0, for a side measured at
 * most maxDurationMs: intervals of FIRST_INTERVAL_MS growing by INTERVAL_GROWTH, the last
 * one landing exactly on maxDurationMs. Infinity past the last snapshot. Dense early
 * so a large leak is certain within seconds; sparse later so a long run does not pay
 * for a forced GC every half second (60 s gives 15 snapshots after S0, 600 s 26).
 */
function snapshotDueMs(index, maxDurationMs) {
    if (index < 1)
        return 0;
    let due = 0;
    let interval = FIRST_INTERVAL_MS;
    for (let i = 1; i <= index; i++) {
        if (due >= maxDurationMs)
            return Infinity;
        const next = due + interval;
        due =
            next >= maxDurationMs || maxDurationMs - next < MERGE_SHARE * interval * INTERVAL_GROWTH
                ? maxDurationMs
                : next;
        interval *= INTERVAL_GROWTH;
    }
    return due;
}
/** alpha*(t): the share of alpha spent by information time t (elapsed / longest measurement). */
function spentAlpha(t, alpha) {
    const u = Math.min(1, Math.max(0, t));
    return alpha * Math.log(1 + (Math.E - 1) * u);
}
/** Level of an interim look at time t, the previous look being at prevT (0 for the first). */
function lookAlpha(prevT, t, alpha) {
    return Math.max(0, spentAlpha(t, alpha) - spentAlpha(prevT, alpha));
}
/**
 * Level the final analysis of a side must test its trends at (AnalysisOptions.alpha for
 * evaluateTrend), given the information time of the last interim look before the one it
 * stopped at (0 when none was taken): alpha - alpha*(prevT). A side that stops for a reason
 * that does not look at its heap (floor reached, max duration) may spend all that is left;
 * with the interim looks' increments the total stays at most alpha. The allocation comparison
 * is done once, at the end, and keeps the full alpha.
 */
function finalAlpha(prevT, alpha) {
    return alpha - spentAlpha(prevT, alpha);
}

/**
 * Smallest leak per request the final analysis finds with chance `power` on `points` snapshots
 * spanning `span` requests: the growth G with G - z * sqrt(rate * G) at the sampling floor
 * smallestDetectableHeapGrowth (a leak at its own site), i.e. (sqrt(floor) + z sqrt(rate))^2.
 * power 0.5 is the note's floor.
 */
function detectableLeak(points, span, options, power = 0.5) {
    if (!(span > 0) || points < 3)
        return Infinity;
    const g = smallestDetectableHeapGrowth(points, options);
    const z = Math.max(0, normalQuantile(power));
    return (Math.sqrt(g) + z * Math.sqrt(options.memProfileRate)) ** 2 / span;
}
/**
 * Chance the two-sided Mann-Whitney comparison at alpha finds a change of `threshold` with these
 * windows: normal approximation with the test's efficiency 3/pi, the windows' spread on a log
 * scale from successive differences (robust to a drift), and 0 while the exact test cannot
 * reach alpha at all. With no base given, a head with as many windows as base is assumed.
 */
function regressionPower(windows, baseWindows, threshold, alpha) {
    const m = windows.length;
    const b = baseWindows?.length ?? m;
    if (m < 2 || b < 2 || mannWhitneyMinP(m, b) >= alpha)
        return 0;
    const diffs = [windows, baseWindows ?? []].flatMap((w) => {
        const logs = w.filter((v) => v > 0).map(Math.log);
        return logs.slice(1).map((v, i) => Math.abs(v - logs[i]));
    });
    if (diffs.length < 2)
        return 0;
    const sigma = (1.482602218505602 * median(diffs)) / Math.SQRT2;
    if (!(sigma > 0))
        return 1;
    const ncp = (Math.log1p(threshold) * Math.sqrt(3 / Math.PI)) / (sigma * Math.sqrt(1 / m + 1 / b));
    return normalCdf(ncp - normalQuantile(1 - alpha / 2));
}
/**
 * Head has twice base's windows: base's now limit the comparison, and more of head's would gain
 * under a fifth of its precision (the variance goes as 1/m + 1/b). Without this, a base that
 * stopped on a lucky low spread would keep head measuring to `duration` for nothing.
 */
function balanced(m, b) {
    return b !== undefined && b > 0 && m >= 2 * b;
}

// Sequential stopping (issue 16): after each snapshot, is this side's answer known?
// A side stops early when a leak is certain or memory passes its budget, or, clean,
// when a leak of `min-leak` would have been seen and the allocation comparison has
// the windows to decide; else it runs to `duration`. Pure: the measurement loop
// calls decideStop() with what it measured so far and sleeps until nextDueMs.
//
// Honest under optional stopping (see spending.ts and docs/how-it-decides.md,
// "Stopping early"): only the leak test looks at the heap, at each look with its
// increment of Lan-DeMets error spending; the clean stop looks only at request counts
// and at the spread of allocation windows, never at the heap's trend, so it chooses
// the end of the run as a fixed design would, and the final analysis of the trends
// at finalAlpha() keeps the whole chance of a false leak within alpha.
/** A leak can be certain from this many snapshots (S0 included): Mann-Kendall's smallest p is 1/n!. */
const MIN_LEAK_SNAPSHOTS = 6;
/** A clean side is judged on at least this many snapshots (5 allocation windows). */
const MIN_CLEAN_SNAPSHOTS = 8;
/**
 * A leak is not called certain before this share of the longest measurement: a cache still
 * filling reads as a leak until it is full, and a fixed run of `duration` would have seen a
 * cache full by then level off. So caches filling within a tenth of `duration` stay bounded.
 */
const LEAK_MIN_SHARE = 0.08;
/** Chance a leak of exactly min-leak is found by the final analysis when the side stops clean. */
const FLOOR_POWER = 0.9;
/** Chance a change of exactly regression-threshold is found by the comparison when the side stops clean. */
const REGRESSION_POWER = 0.95;
/** Sites a clean stop checks for growth: the ones that moved most (a leaking site is among them). */
const SITES_FOLLOWED = 8;
/** A side ends at `duration` with no fewer snapshots than this (S0 included): three windows. */
const MIN_END_SNAPSHOTS = 4;
/** Fewer requests than this between two snapshots make a window coarse: the next one waits for them. */
const MIN_WINDOW_REQUESTS = 200;
/** Per-window allocated bytes per request, as the comparison will compute them. */
function stopWindows(snapshots) {
    const req = snapshots.map((s) => s.requests);
    const bytes = snapshots.map((s) => s.allocBytes);
    return allocWindows(req, bytes, bytes).bytes;
}
/** A trend that is a leak beyond doubt: the rule's verdict, and Sen's lower bound clearing the floor. */
function certain(t, span) {
    return t.verdict === 'leak' && t.slopeLow * span > t.noiseFloor;
}
/** Why the memory budget stops the run: passed at the latest snapshot, or about to be before the next. */
function memoryBudgetWhy(snaps, budget, D) {
    if (budget === undefined)
        return undefined;
    const n = snaps.length;
    const t0 = snaps[0]?.elapsedMs ?? 0;
    const at = (i) => snaps[i].elapsedMs - t0;
    const elapsed = at(n - 1);
    const last = snaps[n - 1];
    const used = Math.max(last.rssBytes ?? 0, last.liveHeapBytes);
    const prev = snaps[n - 2];
    const dt = prev ? at(n - 1) - at(n - 2) : 0;
    const rise = prev ? used - Math.max(prev.rssBytes ?? 0, prev.liveHeapBytes) : 0;
    const next = Math.min(D, snapshotDueMs(n, D));
    const projected = dt > 0 && rise > 0 ? used + (rise / dt) * (next - elapsed) : used;
    if (used >= budget)
        return `memory ${formatBytesInText(used)} passed the ${formatBytesInText(budget)} budget`;
    if (projected >= budget && elapsed < D)
        return `memory ${formatBytesInText(used)} would pass the ${formatBytesInText(budget)} budget`;
    return undefined;
}
/** Why a leak is already certain at this look (live heap first, then goroutines), if it is. */
function certainLeakWhy(snaps, x, span, look, memProfileRate, aopts) {
    const goroutines = snaps.every((s) => s.goroutines !== undefined);
    const a = look / (goroutines ? 2 : 1);
    const heap = evaluateTrend(x, snaps.map((s) => s.liveHeapBytes), undefined, { alpha: a, sampleBytes: memProfileRate, minGrowth: heapMinGrowth(aopts) });
    if (certain(heap, span))
        return `leak certain (live heap +${formatBytesInText(heap.slope)}/req)`;
    if (goroutines) {
        const g = evaluateTrend(x, snaps.map((s) => s.goroutines), undefined, { alpha: a, sampleBytes: 1, minGrowth: GOROUTINE_MIN_GROWTH });
        if (certain(g, span))
            return `leak certain (+${formatCountInText(g.slope * 1000)} goroutines per 1k requests)`;
    }
    return undefined;
}
/**
 * Would the final analysis, stopped here, call the live heap leaking? Then the side measures on
 * rather than stop clean: a cache still filling is seen to level off (bounded), or the growth
 * becomes certain at a later look. Stopping clean only on a heap that does not read as a leak
 * makes every leak reported come from a look's own increment of alpha (or the last look at
 * `duration`), so the spending bound still holds.
 */
function stillGrowing(snaps, x, trendAlpha, aopts) {
    const opts = { alpha: trendAlpha, sampleBytes: aopts.memProfileRate, minGrowth: heapMinGrowth(aopts) };
    const leaking = (y) => evaluateTrend(x, y, undefined, opts).verdict === 'leak';
    if (leaking(snaps.map((s) => s.liveHeapBytes)))
        return true;
    // A single site too, as the final analysis tests each: a full cache whose sampled entries are
    // renewed drifts for a cycle, which reads as growth at its own site long before the total.
    return growingSites(snaps, opts.minGrowth).some(leaking);
}
/** Each site's live bytes per snapshot, the SITES_FOLLOWED that moved most by at least minGrowth. */
function growingSites(snaps, minGrowth) {
    const last = snaps[snaps.length - 1]?.sites;
    if (!last || !snaps.every((s) => s.sites))
        return [];
    const rows = [];
    for (const key of last.keys()) {
        const y = snaps.map((s) => s.sites.get(key) ?? 0);
        const moved = Math.max(...y) - Math.min(...y);
        if (moved >= minGrowth)
            rows.push({ y, moved });
    }
    return rows
        .sort((a, b) => b.moved - a.moved)
        .slice(0, SITES_FOLLOWED)
        .map((r) => r.y);
}
/** The decision after the latest snapshot. Call after each one; S0 alone always continues. */
function decideStop(input) {
    const { snapshots: snaps, options: o } = input;
    const n = snaps.length;
    const t0 = snaps[0]?.elapsedMs ?? 0;
    const at = (i) => snaps[i].elapsedMs - t0;
    const elapsed = n > 0 ? at(n - 1) : 0;
    const D = o.maxDurationMs;
    const aopts = {
        alpha: o.alpha,
        regressionThreshold: o.regressionThreshold,
        memProfileRate: o.memProfileRate,
    };
    const isLook = (points, ms) => points >= MIN_LEAK_SNAPSHOTS && ms >= LEAK_MIN_SHARE * D;
    const prevT = n >= 2 && isLook(n - 1, at(n - 2)) ? at(n - 2) / D : 0;
    const look = isLook(n, elapsed) ? lookAlpha(prevT, elapsed / D, o.alpha) : 0;
    const x = snaps.map((s) => s.requests);
    const span = n > 1 ? x[n - 1] - x[0] : 0;
    const windows = stopWindows(snaps);
    const compared = input.side === 'base' || input.baseWindows !== undefined;
    const evidence = {
        floor: detectableLeak(n, span, aopts),
        floorAtPower: detectableLeak(n, span, aopts, FLOOR_POWER),
        regressionPower: compared
            ? regressionPower(windows, input.baseWindows, o.regressionThreshold, o.alpha)
            : 1,
        lookAlpha: look,
        trendAlpha: finalAlpha(prevT, o.alpha),
    };
    const stop = (reason, why) => ({
        action: 'stop',
        reason,
        why,
        ...evidence,
    });
    const last = snaps[n - 1];
    if (!last)
        return { action: 'continue', nextDueMs: 0, why: 'no snapshot yet', ...evidence };
    // Memory first: past the budget, or about to pass it before the next snapshot.
    const overBudget = memoryBudgetWhy(snaps, o.memoryBudgetBytes, D);
    if (overBudget)
        return stop('memory-budget', overBudget);
    const leak = look > 0 ? certainLeakWhy(snaps, x, span, look, o.memProfileRate, aopts) : undefined;
    if (leak)
        return stop('leak-certain', leak);
    const settled = n >= MIN_CLEAN_SNAPSHOTS &&
        evidence.floorAtPower <= o.minLeak &&
        (evidence.regressionPower >= REGRESSION_POWER || balanced(windows.length, input.baseWindows?.length));
    const growing = settled && stillGrowing(snaps, x, evidence.trendAlpha, aopts);
    if (settled && !growing)
        return stop('floor-reached', `floor ${formatBytesInText(evidence.floorAtPower)}/req reached`);
    const due = snapshotDueMs(n, D);
    if (elapsed >= D || !Number.isFinite(due)) {
        // A service that stopped answering holds each snapshot until its requests time out: the
        // last window may then hold the stall's start and still count requests. One more snapshot,
        // at once, gives a window wholly after it (and a trend its few points); never more than two.
        const pastEnd = snaps.filter((_, i) => at(i) > D).length;
        const lastOverran = n >= 2 && at(n - 1) - at(n - 2) > 2 * (snapshotDueMs(n - 1, D) - snapshotDueMs(n - 2, D)) + 1000;
        if (n >= MIN_END_SNAPSHOTS && !(lastOverran && pastEnd < 2))
            return stop('max-duration', `longest measurement ${Math.round(D / 1000)} s reached`);
        const why = n < MIN_END_SNAPSHOTS ? 'too few snapshots for a trend' : 'the last snapshot was held';
        return { action: 'continue', nextDueMs: elapsed, why, ...evidence };
    }
    // A slow service: wait for enough requests that the window is not coarse (never past D).
    const rate = span > 0 && elapsed > 0 ? span / elapsed : 0;
    const nextDueMs = rate > 0 ? Math.min(D, Math.max(due, elapsed + MIN_WINDOW_REQUESTS / rate)) : due;
    const wanting = growing
        ? 'live heap still growing: a leak, or a cache not yet full'
        : evidence.floorAtPower > o.minLeak
            ? `floor ${formatBytesInText(evidence.floorAtPower)}/req, target ${formatBytesInText(o.minLeak)}/req`
            : `allocation comparison at ${Math.round(100 * evidence.regressionPower)}% power`;
    return { action: 'continue', nextDueMs, why: wanting, ...evidence };
}

// The heap profile's totals from its text form (heap?debug=1), scaled as the
// protobuf form scales them: what the stopping rule reads after each snapshot
// while the load runs, where decoding the protobuf would take the service's CPU.
// "count: bytes [count: bytes] @ addr...": in use, then allocated since the start.
const RECORD = /^(\d+): (\d+) \[(\d+): (\d+)\] @/;
const HEADER = /^heap profile: .*@ heap\/(\d+)/;
/**
 * runtime/pprof's scaleHeapSample: a record of `count` sampled objects of total `size` stands
 * for count / (1 - e^(-avg/rate)) objects, the chance that an object of the average size was
 * sampled being 1 - e^(-avg/rate).
 */
function scaled(count, size, rate) {
    if (count === 0 || size === 0)
        return 0;
    if (rate <= 1)
        return size;
    return size / (1 - Math.exp(-size / count / rate));
}
/**
 * Reads a heap?debug=1 text in one pass, or undefined when it is not one. The header says the
 * rate as twice MemProfileRate ("@ heap/131072"), for the sake of early pprof readers.
 */
function readHeapText(text) {
    if (!text)
        return undefined;
    const firstLine = text.slice(0, text.indexOf('\n') >>> 0);
    const header = HEADER.exec(firstLine);
    if (!header)
        return undefined;
    const rate = Number(header[1]) / 2;
    let inuseBytes = 0;
    let allocBytes = 0;
    const sites = new Map();
    let start = firstLine.length + 1;
    while (start < text.length) {
        let end = text.indexOf('\n', start);
        if (end < 0)
            end = text.length;
        // Records start with a digit; the stack lines under them with '#'.
        const c = text.charCodeAt(start);
        if (c >= 48 && c <= 57) {
            const line = text.slice(start, end);
            const m = RECORD.exec(line);
            if (m) {
                const inuse = scaled(Number(m[1]), Number(m[2]), rate);
                inuseBytes += inuse;
                allocBytes += scaled(Number(m[3]), Number(m[4]), rate);
                if (m[1] !== '0') {
                    const key = line.slice(line.indexOf('@ ') + 2);
                    sites.set(key, (sites.get(key) ?? 0) + inuse);
                }
            }
        }
        start = end + 1;
    }
    return { inuseBytes: Math.round(inuseBytes), allocBytes: Math.round(allocBytes), sites };
}

// Sequential stopping wired to a side's raw snapshots: after each one, the heap's
// totals from its text form and the service's RSS go to decideStop (analysis/),
// whose answer capture follows. Reading the text costs the service next to
// nothing; the protobuf is decoded only after both sides are measured.
/** What decideStop reads of each snapshot; undefined when one has no heap text to read. */
function stopSnapshots(raw) {
    const out = [];
    for (const s of raw) {
        const heap = readHeapText(s.heapText);
        if (!heap)
            return undefined;
        out.push({
            elapsedMs: s.elapsedMs,
            requests: s.requests,
            liveHeapBytes: heap.inuseBytes,
            allocBytes: heap.allocBytes,
            sites: heap.sites,
            ...(s.process ? { rssBytes: s.process.rssBytes } : {}),
        });
    }
    return out;
}
/** Base's allocation windows, for head's rule to plan its comparison against; undefined when unreadable. */
function comparisonWindows(raw) {
    const snaps = stopSnapshots(raw);
    return snaps ? stopWindows(snaps) : undefined;
}
/**
 * The rule for one side. Once a snapshot has no heap?debug=1 to read (a pprof handler that
 * serves only the protobuf, a failed scrape), nothing more is looked at: the side runs the
 * schedule to `duration`, and its trends keep what the looks before left of alpha.
 */
function stopRuleFor(side, options, baseWindows) {
    const D = options.maxDurationMs;
    /** Information time of the last look that tested the heap (0: none yet). */
    let lastLook = 0;
    let blind = false;
    return (raw) => {
        const snapshots = blind ? undefined : stopSnapshots(raw);
        if (!snapshots) {
            blind = true;
            const elapsed = (raw.at(-1)?.elapsedMs ?? 0) - (raw[0]?.elapsedMs ?? 0);
            const due = snapshotDueMs(raw.length, D);
            const why = 'no heap?debug=1 to decide on';
            if (elapsed >= D || !Number.isFinite(due)) {
                const trendAlpha = finalAlpha(lastLook, options.alpha);
                return { action: 'stop', reason: 'max-duration', why: `${why}, measured to the end`, trendAlpha };
            }
            return { action: 'continue', nextDueMs: due, why };
        }
        const d = decideStop({ side, snapshots, options, ...(baseWindows ? { baseWindows } : {}) });
        if (d.lookAlpha > 0)
            lastLook = (snapshots.at(-1).elapsedMs - snapshots[0].elapsedMs) / D;
        return d.action === 'stop'
            ? { action: 'stop', reason: d.reason, why: d.why, trendAlpha: d.trendAlpha }
            : { action: 'continue', nextDueMs: d.nextDueMs, why: d.why };
    };
}

/** 2: leaks head fixed (analysis.fixed), each finding's harm (details.harmPerRequest). */
const REPORT_SCHEMA_VERSION = 2;

// Kept in step with package.json by a test; the bundle cannot read package.json at run time.
const VERSION = '0.1.0';

// A small reader for untrusted JSON: every accessor checks the type, caps the
// size and names the field path in its error ("report.analysis.findings[2].rate").
class ReportValidationError extends Error {
    path;
    constructor(path, message) {
        super(`${path}: ${message}`);
        this.path = path;
        this.name = 'ReportValidationError';
    }
}
function typeName(value) {
    if (value === null)
        return 'null';
    if (value === undefined)
        return 'nothing';
    if (Array.isArray(value))
        return 'an array';
    if (typeof value === 'number' && !Number.isFinite(value))
        return String(value);
    return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
function object(value, path) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new ReportValidationError(path, `expected an object, got ${typeName(value)}`);
    }
    return value;
}
/** A string, cut to max characters (a longer one is kept, not refused: it is only text). */
function string(value, path, max) {
    if (typeof value !== 'string')
        throw new ReportValidationError(path, `expected a string, got ${typeName(value)}`);
    return value.length > max ? value.slice(0, max - 1) + '…' : value;
}
function optString(value, path, max) {
    return value === undefined || value === null ? undefined : string(value, path, max);
}
function number(value, path, opts = {}) {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new ReportValidationError(path, `expected a finite number, got ${typeName(value)}`);
    }
    if (opts.integer && !Number.isInteger(value))
        throw new ReportValidationError(path, `expected a whole number, got ${value}`);
    if (opts.min !== undefined && value < opts.min)
        throw new ReportValidationError(path, `expected at least ${opts.min}, got ${value}`);
    return value;
}
function optNumber(value, path, opts = {}) {
    return value === undefined || value === null ? undefined : number(value, path, opts);
}
function boolean(value, path) {
    if (typeof value !== 'boolean')
        throw new ReportValidationError(path, `expected true or false, got ${typeName(value)}`);
    return value;
}
function array(value, path, max, item) {
    if (!Array.isArray(value))
        throw new ReportValidationError(path, `expected an array, got ${typeName(value)}`);
    if (value.length > max)
        throw new ReportValidationError(path, `expected at most ${max} items, got ${value.length}`);
    return value.map((v, i) => item(v, `${path}[${i}]`));
}
function optArray(value, path, max, item) {
    return value === undefined || value === null ? undefined : array(value, path, max, item);
}
function oneOf(value, path, allowed) {
    if (typeof value !== 'string' || !allowed.includes(value)) {
        const got = typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : typeName(value);
        throw new ReportValidationError(path, `expected one of ${allowed.join(', ')}, got ${got}`);
    }
    return value;
}
/** A string-keyed record of strings or numbers, at most max entries. */
function record(value, path, max, maxString) {
    const obj = object(value, path);
    const keys = Object.keys(obj);
    if (keys.length > max)
        throw new ReportValidationError(path, `expected at most ${max} entries, got ${keys.length}`);
    const out = {};
    for (const key of keys) {
        const p = `${path}.${key.length > 40 ? key.slice(0, 40) + '…' : key}`;
        if (key.length > 100)
            throw new ReportValidationError(p, 'key longer than 100 characters');
        if (key === '__proto__' || key === 'constructor' || key === 'prototype')
            throw new ReportValidationError(p, 'reserved key');
        const v = obj[key];
        if (typeof v === 'number')
            out[key] = number(v, p);
        else if (typeof v === 'string')
            out[key] = string(v, p, maxString);
        else
            throw new ReportValidationError(p, `expected a string or a number, got ${typeName(v)}`);
    }
    return out;
}

// Caps: far above what a real report holds, low enough that a hostile one cannot
// make the renderer slow or the comment huge.
const NAME = 1000;
const SENTENCE = 2000;
const SHORT = 200;
const MAX_FINDINGS = 200;
const MAX_SITES = 1000;
const MAX_STACK = 64;
const MAX_SERIES = 10_000;
const MAX_NOTES = 100;
/** A number that may have been written as null (NaN) or "Infinity". */
function num(value, path) {
    if (value === null)
        return NaN;
    if (value === 'Infinity')
        return Infinity;
    if (value === '-Infinity')
        return -Infinity;
    return number(value, path);
}
function optNum(value, path) {
    return value === undefined ? undefined : num(value, path);
}
function numbers(value, path, max = MAX_SERIES) {
    return array(value, path, max, num);
}
function frame(value, path) {
    const o = object(value, path);
    return {
        function: string(o.function, `${path}.function`, NAME),
        file: string(o.file, `${path}.file`, NAME),
        line: number(o.line, `${path}.line`, { integer: true, min: 0 }),
    };
}
function site(value, path) {
    const o = object(value, path);
    return {
        key: string(o.key, `${path}.key`, 4 * NAME),
        function: string(o.function, `${path}.function`, NAME),
        ownFrame: o.ownFrame === undefined || o.ownFrame === null ? undefined : frame(o.ownFrame, `${path}.ownFrame`),
        stack: array(o.stack, `${path}.stack`, MAX_STACK, (v, p) => string(v, p, 2 * NAME)),
    };
}
const KINDS = ALL_FINDING_KINDS;
const STATUSES = ['new', 'worsened', 'pre-existing', 'unknown'];
function finding(value, path) {
    const o = object(value, path);
    // What the finding is first, so a wrong one is named before its parts are.
    const kind = oneOf(o.kind, `${path}.kind`, KINDS);
    const status = oneOf(o.status, `${path}.status`, STATUSES);
    const s = site(o.site, `${path}.site`);
    const ev = object(o.evidence, `${path}.evidence`);
    const requests = numbers(ev.requests, `${path}.evidence.requests`);
    const values = numbers(ev.values, `${path}.evidence.values`);
    if (requests.length !== values.length) {
        throw new ReportValidationError(`${path}.evidence`, `requests and values differ in length (${requests.length} vs ${values.length})`);
    }
    return {
        kind,
        status,
        site: s,
        rate: num(o.rate, `${path}.rate`),
        unit: string(o.unit, `${path}.unit`, 40),
        baseRate: optNum(o.baseRate, `${path}.baseRate`),
        growth: num(o.growth, `${path}.growth`),
        summary: string(o.summary, `${path}.summary`, SENTENCE),
        hint: string(o.hint, `${path}.hint`, SENTENCE),
        evidence: {
            requests,
            values,
            settled: optNum(ev.settled, `${path}.evidence.settled`),
            pValue: optNum(ev.pValue, `${path}.evidence.pValue`),
        },
        details: record(o.details ?? {}, `${path}.details`, 50, SENTENCE),
    };
}
function fixedLeak(value, path) {
    const o = object(value, path);
    return {
        kind: oneOf(o.kind, `${path}.kind`, KINDS),
        site: site(o.site, `${path}.site`),
        unit: string(o.unit, `${path}.unit`, 40),
        baseRate: num(o.baseRate, `${path}.baseRate`),
        headRate: num(o.headRate, `${path}.headRate`),
        how: oneOf(o.how, `${path}.how`, ['gone', 'slower']),
        summary: string(o.summary, `${path}.summary`, SENTENCE),
    };
}
function allocRate(value, path) {
    const o = object(value, path);
    return {
        bytesPerRequest: num(o.bytesPerRequest, `${path}.bytesPerRequest`),
        objectsPerRequest: num(o.objectsPerRequest, `${path}.objectsPerRequest`),
        windows: numbers(o.windows ?? [], `${path}.windows`, 1000),
    };
}
function allocatorChange(value, path) {
    const o = object(value, path);
    let ci;
    if (o.ci !== undefined && o.ci !== null) {
        const pair = numbers(o.ci, `${path}.ci`, 2);
        if (pair.length !== 2)
            throw new ReportValidationError(`${path}.ci`, `expected two numbers, got ${pair.length}`);
        ci = [pair[0], pair[1]];
    }
    return {
        site: site(o.site, `${path}.site`),
        base: o.base === undefined || o.base === null ? undefined : allocRate(o.base, `${path}.base`),
        head: allocRate(o.head, `${path}.head`),
        change: num(o.change, `${path}.change`),
        ci,
        pValue: optNum(o.pValue, `${path}.pValue`),
        adjustedPValue: optNum(o.adjustedPValue, `${path}.adjustedPValue`),
        significant: boolean(o.significant, `${path}.significant`),
    };
}
function sideSummary(value, path) {
    const o = object(value, path);
    let gc;
    if (o.gc !== undefined && o.gc !== null) {
        const g = object(o.gc, `${path}.gc`);
        gc = {
            numGC: num(g.numGC, `${path}.gc.numGC`),
            gcCPUFraction: optNum(g.gcCPUFraction, `${path}.gc.gcCPUFraction`),
            gogc: optString(g.gogc, `${path}.gc.gogc`, 40),
            gomemlimit: optString(g.gomemlimit, `${path}.gc.gomemlimit`, 40),
        };
    }
    return {
        side: oneOf(o.side, `${path}.side`, ['base', 'head']),
        requests: num(o.requests, `${path}.requests`),
        errors: num(o.errors, `${path}.errors`),
        requestsPerSecond: num(o.requestsPerSecond, `${path}.requestsPerSecond`),
        p99LatencyMs: num(o.p99LatencyMs, `${path}.p99LatencyMs`),
        heapGrowthPer1kRequests: num(o.heapGrowthPer1kRequests, `${path}.heapGrowthPer1kRequests`),
        liveHeapStart: num(o.liveHeapStart, `${path}.liveHeapStart`),
        liveHeapEnd: num(o.liveHeapEnd, `${path}.liveHeapEnd`),
        liveHeapSettled: num(o.liveHeapSettled, `${path}.liveHeapSettled`),
        allocBytesPerRequest: num(o.allocBytesPerRequest, `${path}.allocBytesPerRequest`),
        allocObjectsPerRequest: num(o.allocObjectsPerRequest, `${path}.allocObjectsPerRequest`),
        goroutinesStart: optNum(o.goroutinesStart, `${path}.goroutinesStart`),
        goroutinesEnd: optNum(o.goroutinesEnd, `${path}.goroutinesEnd`),
        rssPeakBytes: optNum(o.rssPeakBytes, `${path}.rssPeakBytes`),
        openFdsStart: optNum(o.openFdsStart, `${path}.openFdsStart`),
        openFdsEnd: optNum(o.openFdsEnd, `${path}.openFdsEnd`),
        gc,
        heapSeries: array(o.heapSeries, `${path}.heapSeries`, 1000, (v, p) => {
            const s = object(v, p);
            return {
                label: string(s.label, `${p}.label`, 40),
                requests: num(s.requests, `${p}.requests`),
                elapsedMs: num(s.elapsedMs, `${p}.elapsedMs`),
                inuseBytes: num(s.inuseBytes, `${p}.inuseBytes`),
            };
        }),
    };
}
/** The report's `analysis`, every field the renderer uses checked and capped. */
function readAnalysis(value, path) {
    const o = object(value, path);
    const v = object(o.verdict, `${path}.verdict`);
    return {
        verdict: {
            leak: boolean(v.leak, `${path}.verdict.leak`),
            newLeak: boolean(v.newLeak, `${path}.verdict.newLeak`),
            regression: boolean(v.regression, `${path}.verdict.regression`),
        },
        findings: array(o.findings, `${path}.findings`, MAX_FINDINGS, finding),
        ...(o.fixed === undefined ? {} : { fixed: array(o.fixed, `${path}.fixed`, MAX_FINDINGS, fixedLeak) }),
        base: o.base === undefined || o.base === null ? undefined : sideSummary(o.base, `${path}.base`),
        head: sideSummary(o.head, `${path}.head`),
        total: allocatorChange(o.total, `${path}.total`),
        growing: array(o.growing, `${path}.growing`, MAX_SITES, allocatorChange),
        improved: array(o.improved, `${path}.improved`, MAX_SITES, allocatorChange),
        // A head-only report's allocators table: without it, comment mode would drop that table.
        ...(o.topAllocators === undefined
            ? {}
            : { topAllocators: array(o.topAllocators, `${path}.topAllocators`, MAX_SITES, allocatorChange) }),
        notes: array(o.notes, `${path}.notes`, MAX_NOTES, (n, p) => string(n, p, SENTENCE)),
        ...(o.untrustworthy === undefined
            ? {}
            : {
                untrustworthy: array(o.untrustworthy, `${path}.untrustworthy`, MAX_NOTES, (n, p) => string(n, p, SENTENCE)),
            }),
    };
}

// The JSON rendering of the report (the `report` output) and its reader. The
// reader is a validator: in the fork-safe two-job mode the report comes from an
// artifact that the PR's own code could have written, so every field the
// renderer uses is type-checked and size-capped, and unknown fields are dropped.
/** Keys that lead wherever they appear; the rest follow in alphabetical order. */
const LEADING_KEYS = ['schemaVersion', 'tool', 'meta', 'failures', 'verdict', 'analysis'];
function ordered(value) {
    if (Array.isArray(value))
        return value.map(ordered);
    if (typeof value === 'number') {
        // JSON has no Infinity ("new" allocation sites have an infinite change); NaN means unknown.
        if (Number.isNaN(value))
            return null;
        if (!Number.isFinite(value))
            return value > 0 ? 'Infinity' : '-Infinity';
        return value;
    }
    if (typeof value !== 'object' || value === null)
        return value;
    const obj = value;
    const keys = Object.keys(obj)
        .filter((k) => obj[k] !== undefined)
        .sort((a, b) => {
        const ia = LEADING_KEYS.indexOf(a);
        const ib = LEADING_KEYS.indexOf(b);
        if (ia >= 0 || ib >= 0)
            return (ia < 0 ? Infinity : ia) - (ib < 0 ? Infinity : ib);
        return a < b ? -1 : a > b ? 1 : 0;
    });
    const out = {};
    for (const k of keys)
        out[k] = ordered(obj[k]);
    return out;
}
/** Pretty JSON with a stable key order, so two reports diff cleanly. Ends with a newline. */
function toJson(report) {
    return JSON.stringify(ordered(report), null, 2) + '\n';
}
/** Above this the report's text is not even parsed (the other caps are in read-analysis.ts). */
const MAX_TEXT = 100 * 1024 * 1024;
function timing(value, path) {
    if (value === undefined)
        return undefined;
    const o = object(value, path);
    const ms = (v, p) => number(v, p, { min: 0 });
    return {
        buildMs: ms(o.buildMs, `${path}.buildMs`),
        sides: array(o.sides, `${path}.sides`, 3, (v, p) => {
            const side = object(v, p);
            const stop = side.stop === undefined ? undefined : object(side.stop, `${p}.stop`);
            return {
                side: oneOf(side.side, `${p}.side`, ['base', 'head']),
                startMs: ms(side.startMs, `${p}.startMs`),
                warmupMs: ms(side.warmupMs, `${p}.warmupMs`),
                measuredMs: ms(side.measuredMs, `${p}.measuredMs`),
                settleMs: ms(side.settleMs, `${p}.settleMs`),
                ...(stop
                    ? {
                        stop: {
                            reason: oneOf(stop.reason, `${p}.stop.reason`, STOP_REASONS),
                            why: string(stop.why, `${p}.stop.why`, SENTENCE),
                        },
                    }
                    : {}),
            };
        }),
        analysisMs: ms(o.analysisMs, `${path}.analysisMs`),
        totalMs: ms(o.totalMs, `${path}.totalMs`),
    };
}
function meta(value, path) {
    const o = object(value, path);
    const repository = optString(o.repository, `${path}.repository`, SHORT);
    if (repository !== undefined && !/^[\w.-]+\/[\w.-]+$/.test(repository)) {
        throw new ReportValidationError(`${path}.repository`, 'expected "owner/name"');
    }
    const sha = (key) => {
        const s = optString(o[key], `${path}.${key}`, 64);
        if (s !== undefined && !/^[0-9a-f]{7,64}$/i.test(s))
            throw new ReportValidationError(`${path}.${key}`, 'expected a hexadecimal commit SHA');
        return s;
    };
    return {
        repository,
        pullRequest: optNumber(o.pullRequest, `${path}.pullRequest`, { integer: true, min: 1 }),
        baseSha: sha('baseSha'),
        headSha: sha('headSha'),
        package: string(o.package, `${path}.package`, SHORT),
        workingDirectory: string(o.workingDirectory, `${path}.workingDirectory`, SHORT),
        modulePath: string(o.modulePath, `${path}.modulePath`, SHORT),
        requests: array(o.requests, `${path}.requests`, 1000, (r, p) => string(r, p, SENTENCE)),
        durationMs: number(o.durationMs, `${path}.durationMs`, { min: 0 }),
        warmupMs: number(o.warmupMs, `${path}.warmupMs`, { min: 0 }),
        connections: number(o.connections, `${path}.connections`, { integer: true, min: 0 }),
        snapshots: number(o.snapshots, `${path}.snapshots`, { integer: true, min: 0 }),
        regressionThreshold: number(o.regressionThreshold, `${path}.regressionThreshold`),
        failOn: array(o.failOn, `${path}.failOn`, 10, (w, p) => string(w, p, 40)),
        goVersion: optString(o.goVersion, `${path}.goVersion`, 100),
        platform: string(o.platform, `${path}.platform`, 100),
        generatedAt: string(o.generatedAt, `${path}.generatedAt`, 100),
        commentId: string(o.commentId, `${path}.commentId`, SHORT),
        sourceRoots: optArray(o.sourceRoots, `${path}.sourceRoots`, 10, (r, p) => string(r, p, NAME)),
        serverUrl: optString(o.serverUrl, `${path}.serverUrl`, SHORT),
        ...(o.stopEarly === true ? { stopEarly: true } : {}),
        ...(o.minLeak !== undefined ? { minLeak: number(o.minLeak, `${path}.minLeak`, { min: 1 }) } : {}),
        rate: optNumber(o.rate, `${path}.rate`, { min: 0 }),
        memProfileRate: optNumber(o.memProfileRate, `${path}.memProfileRate`, { integer: true, min: 1 }),
        requestsFile: optString(o.requestsFile, `${path}.requestsFile`, SHORT),
        headerNames: optArray(o.headerNames, `${path}.headerNames`, 100, headerName),
        ...(o.timing !== undefined ? { timing: timing(o.timing, `${path}.timing`) } : {}),
    };
}
/**
 * Reads and validates a report written by toJson, possibly by an untrusted run.
 * Throws ReportValidationError naming the offending field's path.
 */
function parseReport(text) {
    if (typeof text !== 'string')
        throw new ReportValidationError('report', 'expected JSON text');
    if (text.length > MAX_TEXT)
        throw new ReportValidationError('report', `larger than ${MAX_TEXT} characters`);
    let raw;
    try {
        raw = JSON.parse(text);
    }
    catch (error) {
        throw new ReportValidationError('report', `not valid JSON: ${error.message}`);
    }
    const o = object(raw, 'report');
    // Version 2 only added optional fields (fixed leaks, harm): a version-1 report reads as it is.
    if (o.schemaVersion !== REPORT_SCHEMA_VERSION && o.schemaVersion !== 1) {
        const got = typeof o.schemaVersion === 'number' ? o.schemaVersion : JSON.stringify(o.schemaVersion ?? null);
        throw new ReportValidationError('report.schemaVersion', `expected ${REPORT_SCHEMA_VERSION} (or 1), got ${got}`);
    }
    const tool = object(o.tool, 'report.tool');
    if (tool.name !== 'memleak-action')
        throw new ReportValidationError('report.tool.name', 'expected "memleak-action"');
    return {
        schemaVersion: REPORT_SCHEMA_VERSION,
        tool: { name: 'memleak-action', version: string(tool.version, 'report.tool.version', 60) },
        meta: meta(o.meta, 'report.meta'),
        analysis: readAnalysis(o.analysis, 'report.analysis'),
        failures: array(o.failures, 'report.failures', 20, (f, p) => string(f, p, SENTENCE)),
    };
}
/** A header's name as the load accepts it: it is shown in the comment's shell block, so nothing else. */
function headerName(value, path) {
    const name = string(value, path, 100);
    if (!/^[A-Za-z0-9_.-]+$/.test(name))
        throw new ReportValidationError(path, 'expected a header name');
    return name;
}

// The service's log as the artifact keeps it: whole when small, else its head
// and its tail with a line saying what was cut. gin.Default() or a request
// logger writes a line per request: 100-200 MB a side at full load, most of it
// the same line, while start-up errors sit at the head and the crash at the tail.
const LOG_CAP_BYTES = 8 * 1024 * 1024;
/** Cuts the middle out of the log at `path` when it is over `maxBytes`; returns the bytes cut (0: kept whole). */
function capLog(path, maxBytes = LOG_CAP_BYTES) {
    let fd;
    try {
        fd = fs.openSync(path, 'r');
    }
    catch {
        return 0;
    }
    let head;
    let tail;
    let size;
    try {
        size = fs.fstatSync(fd).size;
        if (size <= maxBytes)
            return 0;
        const half = Math.floor(maxBytes / 2);
        head = Buffer.alloc(half);
        tail = Buffer.alloc(half);
        fs.readSync(fd, head, 0, half, 0);
        fs.readSync(fd, tail, 0, half, size - half);
    }
    finally {
        fs.closeSync(fd);
    }
    // Whole lines only: the head ends after its last newline, the tail starts after its first.
    const headEnd = head.lastIndexOf(0x0a) + 1 || head.length;
    const tailStart = tail.indexOf(0x0a) + 1;
    const keptHead = head.subarray(0, headEnd);
    const keptTail = tail.subarray(tailStart);
    const cut = size - keptHead.length - keptTail.length;
    const note = Buffer.from(`\n[memleak-action: ${cut} bytes cut from the middle of this ${size}-byte log; ` +
        `the first ${keptHead.length} and the last ${keptTail.length} bytes are kept]\n\n`);
    const tmp = `${path}.capping`;
    fs.writeFileSync(tmp, Buffer.concat([keptHead, note, keptTail]));
    fs.renameSync(tmp, path);
    return cut;
}

// The write step: each side's profiles and log into the artifact directory, and
// the report (JSON and Markdown) once the analysis is done.
/** A side's snapshots, dumps and trace as files, beside its (capped) service log. */
async function writeMeasurement(dir, m, log) {
    await mkdir(dir, { recursive: true });
    const cut = capLog(m.logPath);
    if (cut > 0)
        log.info(`${m.side}: the service log kept in the artifact is capped: ${cut} bytes cut from its middle`);
    const put = (name, data) => writeFile(join$1(dir, name), data);
    for (const s of [...m.snapshots, m.settled]) {
        await put(`${s.label}.heap.pb.gz`, s.heap);
        if (s.goroutine)
            await put(`${s.label}.goroutine.pb.gz`, s.goroutine);
    }
    // The last in-run heap profile, named for `go tool pprof -diff_base base.pb.gz head.pb.gz`.
    // (A side that crashed early may have no in-run snapshot left: then the one it took.)
    await put(`../${m.side}.pb.gz`, (m.snapshots[m.snapshots.length - 1] ?? m.settled).heap);
    if (m.goroutineDump)
        await put('goroutine-debug2.txt', m.goroutineDump);
    if (m.goroutineLeak)
        await put('goroutineleak.pb.gz', m.goroutineLeak);
    if (m.cpuProfile)
        await put('cpu.pb.gz', m.cpuProfile);
    if (m.trace)
        await put('trace.out', m.trace);
}
/** What was run, where, by whom: the report's `meta`. */
/** The run's time by phase: the builds, each side's parts and why its load ended, the analysis. */
function runTiming(outcomes, totals) {
    const sides = [];
    for (const side of ['base', 'head']) {
        const m = outcomes[side]?.measurement;
        if (!m?.phases)
            continue;
        sides.push({
            side,
            ...m.phases,
            ...(m.finish ? { stop: { reason: m.finish.reason, why: m.finish.why } } : {}),
        });
    }
    return { ...totals, sides };
}
async function reportMeta(inputs, ctx, run) {
    return {
        repository: ctx.repository,
        pullRequest: ctx.pullRequest,
        baseSha: run.baseTree?.sha,
        headSha: ctx.headSha,
        package: inputs.package,
        workingDirectory: inputs.workingDirectory,
        modulePath: run.modulePath,
        requests: run.requests.map((r) => [r.method, r.path, r.body].filter((x) => x !== undefined).join(' ')),
        durationMs: inputs.durationMs,
        warmupMs: inputs.warmupMs,
        connections: inputs.connections,
        snapshots: inputs.snapshots,
        regressionThreshold: inputs.regressionThreshold,
        failOn: inputs.failOn,
        goVersion: await goVersion(),
        platform: `${process.platform}-${process.arch}`,
        generatedAt: new Date().toISOString(),
        commentId: ctx.commentId,
        sourceRoots: [
            ctx.workspace,
            ...(run.baseTree ? [run.baseTree.dir] : []),
            ...(run.sandboxRoot ? run.sides.map((side) => join$1(run.sandboxRoot, side)) : []),
        ],
        serverUrl: ctx.serverUrl,
        ...(inputs.stopEarly ? { stopEarly: true, minLeak: inputs.minLeak } : {}),
        ...(inputs.rate !== undefined ? { rate: inputs.rate } : {}),
        memProfileRate: inputs.memProfileRate,
        ...(inputs.requestsFile ? { requestsFile: inputs.requestsFile } : {}),
        ...headerNamesOf(inputs.headers),
        ...(run.timing ? { timing: run.timing } : {}),
    };
}
/** The report: the analysis with what was run, where, and why the step fails under fail-on. */
function reportOf(analysis, meta, inputs, stopped) {
    return {
        schemaVersion: REPORT_SCHEMA_VERSION,
        tool: { name: 'memleak-action', version: VERSION },
        meta,
        analysis,
        failures: [
            ...(stopped ? [oneLine$1(stopped)] : []),
            // A stop is its own reason already: no second line saying it left no verdict.
            ...failuresFor(analysis.verdict, inputs.failOn, analysis).filter((reason) => !stopped || !reason.startsWith('no verdict')),
        ],
    };
}
/** Writes report.json into outDir; returns its path. */
async function writeReport(outDir, report) {
    const reportPath = join$1(outDir, 'report.json');
    await writeFile(reportPath, toJson(report));
    return reportPath;
}
/** The headers input's names, once each, as first spelled; none when there were none. */
function headerNamesOf(headers) {
    const names = new Map();
    for (const [name] of headers) {
        if (!names.has(name.toLowerCase()))
            names.set(name.toLowerCase(), name);
    }
    return names.size ? { headerNames: [...names.values()] } : {};
}

// The measure step: each side in its own sandbox scope, after the workflow's
// setup-command, one after the other; then head again as its own base when the
// self-check is asked for. A side's files are written as soon as it is measured,
// so a later failure loses nothing.
/** The service's runtime settings, arguments and listener, the same for every side. */
function serviceSettings(inputs, requests, sandbox) {
    const runtimeExtra = { ...inputs.env };
    // A memprofilerate the user put in GODEBUG themselves wins; the analysis must know the rate in force.
    const userRate = /(?:^|,)memprofilerate=(\d+)/.exec(runtimeExtra.GODEBUG ?? '');
    const memProfileRate = userRate ? Number(userRate[1]) : inputs.memProfileRate;
    if (!userRate) {
        runtimeExtra.GODEBUG = [runtimeExtra.GODEBUG, `memprofilerate=${memProfileRate}`]
            .filter(Boolean)
            .join(',');
    }
    for (const [name, value] of Object.entries(runtimeExtra))
        runtimeExtra[name] = expandPort(value, inputs.port);
    const args = inputs.args.map((a) => expandPort(a, inputs.port));
    // Besides pprof, the service's own listener: the first request's route, or pprof's index when
    // ready-url names the service's own readiness route (then pprof is what is left to wait for).
    const listenUrl = inputs.readyUrlGiven
        ? `${inputs.pprofUrl}/`
        : listenUrlFor(requests[0], `http://127.0.0.1:${inputs.port}`);
    // In the sandbox the service's home and temp dir are its own (it cannot write ours anyway).
    const sandboxDirs = sandbox.home
        ? {
            HOME: sandbox.home,
            TMPDIR: join$1(sandbox.home, 'tmp'),
            TMP: join$1(sandbox.home, 'tmp'),
            TEMP: join$1(sandbox.home, 'tmp'),
            USER: sandbox.user.name,
        }
        : {};
    return { runtimeExtra, memProfileRate, args, listenUrl, sandboxDirs };
}
/**
 * A side that could not start says which side, once. Not a busy port (the same
 * for both sides), not an input error, and not an interrupt or the deadline.
 */
function namedForSide(error, side, signal) {
    if (signal?.aborted || !(error instanceof Error))
        return error;
    if (error instanceof UsageError || error instanceof PortInUseError)
        return error;
    if (!error.message.startsWith(`${side}:`))
        error.message = `${side}: ${error.message}`;
    return error;
}
/** The workflow's own setup-command before a side: trusted, run as the runner's user with its environment. */
async function runSetup(inputs, ctx, role) {
    const started = Date.now();
    const result = await runCommand('sh', ['-c', inputs.setupCommand], {
        cwd: ctx.workspace,
        env: {
            ...process.env,
            MEMLEAK_SIDE: role.split(' ')[0],
            PORT: String(inputs.port),
        },
        timeoutMs: inputs.timeoutMs,
        signal: ctx.signal,
    });
    ctx.signal?.throwIfAborted();
    if (result.output.trim())
        ctx.log.info(result.output.trimEnd());
    if (result.code !== 0) {
        throw new Error(`setup-command failed before ${role} (exit ${result.code ?? 'by a signal'}):\n${lastLines(result.output, 30)}`);
    }
    ctx.log.info(`setup-command done before ${role} in ${((Date.now() - started) / 1000).toFixed(1)}s`);
}
/**
 * After a side: nothing of the sandbox alive, the port free again. Otherwise the
 * side fails naming what survived (a process that outlives its side could write
 * the runner's files after we wrote ours, or answer the next side's requests).
 */
async function assertSideGone(side, killAll, port) {
    const left = await killAll();
    if (left.length > 0)
        throw new Error(`${side}: still alive after the side ended: ${left.join(', ')}`);
    for (let i = 0; port !== undefined && (await isPortInUse(port)); i++) {
        if (i === 20)
            throw new Error(`${side}: port ${port} is still in use after the side ended and was killed`);
        await new Promise((r) => setTimeout(r, 100));
    }
}
/** What measureSide is told for one side (or the self-check): the inputs, the settings, this side's build and scope. */
function sideOptions(inputs, ctx, settings, one) {
    const { side, role, dirName, built: b, env, scope, requests } = one;
    const stopping = {
        alpha: RUN_ALPHA,
        minLeak: inputs.minLeak,
        regressionThreshold: inputs.regressionThreshold,
        maxDurationMs: inputs.durationMs,
        memProfileRate: settings.memProfileRate,
        // Stopped short of the sandbox's limit (or of half the machine), head is reported on what it measured.
        memoryBudgetBytes: Math.floor(0.8 * (inputs.memoryLimit ?? defaultMemoryLimit())),
    };
    return {
        side,
        binary: b.binary,
        args: settings.args,
        cwd: b.serviceDir,
        env,
        scope,
        port: inputs.port,
        pprofUrl: inputs.pprofUrl,
        readyUrl: inputs.readyUrl,
        listenUrl: settings.listenUrl,
        readyTimeoutMs: inputs.readyTimeoutMs,
        requests,
        headers: inputs.headers,
        ...(inputs.rate ? { rate: inputs.rate } : {}),
        connections: inputs.connections,
        warmupMs: inputs.warmupMs,
        durationMs: inputs.durationMs,
        snapshots: inputs.snapshots,
        ...(inputs.stopEarly
            ? { stopRule: stopRuleFor(role === 'base' ? 'base' : 'head', stopping, one.baseWindows) }
            : {}),
        // Whole seconds, at most half the measured load, so the trace never covers a snapshot window whole.
        traceSeconds: role === 'head' ? Math.floor(Math.min(inputs.traceSeconds, inputs.durationMs / 2000)) : 0,
        workDir: join$1(ctx.outDir, dirName),
        signal: ctx.signal,
    };
}
/** Measures every side in turn (a stop ends the turn), then the self-check. */
async function measureSides(inputs, ctx, sides, built, requests, sandbox) {
    const { log } = ctx;
    const settings = serviceSettings(inputs, requests, sandbox);
    const measureOne = async (side, role, baseWindows) => {
        const b = built[side];
        // The workflow's own command, before the PR's service starts (and outside its scope).
        if (inputs.setupCommand)
            await log.group(`Setup ${role}`, () => runSetup(inputs, ctx, role));
        const dirName = role === 'head (self-check)' ? 'self-check' : side;
        const scope = await sandbox.scope(`${dirName}-service`);
        const env = serviceEnvironment(process.env, settings.runtimeExtra, inputs.port);
        for (const [k, v] of Object.entries(settings.sandboxDirs))
            if (!(k in inputs.env))
                env[k] = v;
        // A port busy before the side started is that error's to report, not a survivor of the side.
        let portWasBusy = false;
        try {
            return await log.group(`Measure ${role}`, () => measureSide(sideOptions(inputs, ctx, settings, {
                side,
                role,
                dirName,
                built: b,
                env,
                scope,
                requests,
                ...(baseWindows ? { baseWindows } : {}),
            }), log.info));
        }
        catch (error) {
            portWasBusy = error instanceof PortInUseError;
            throw error;
        }
        finally {
            try {
                await assertSideGone(side, () => scope.killAll(), portWasBusy ? undefined : inputs.port);
            }
            finally {
                await scope.dispose();
            }
        }
    };
    const outcomes = {};
    for (const side of sides) {
        if (ctx.signal?.aborted)
            break;
        // Stopped from outside while starting: nothing of this side to keep; the sides after it are not started.
        // Head plans its comparison against what base measured (a crashed base is not compared against).
        const base = outcomes.base?.kind === 'measured' ? outcomes.base.measurement : undefined;
        const baseWindows = side === 'head' && base ? comparisonWindows(base.snapshots) : undefined;
        const outcome = await measureOne(side, side, baseWindows).catch((error) => {
            if (ctx.signal?.aborted)
                return undefined;
            throw namedForSide(error, side, ctx.signal);
        });
        if (!outcome)
            continue;
        // A crash under load is a finding, not the end of the run: what was measured is kept.
        if (outcome.kind === 'crashed')
            log.warn(oneLine$1(outcome.crash.message.split('\n')[0]));
        outcomes[side] = outcome;
        if (outcome.measurement)
            await writeMeasurement(join$1(ctx.outDir, side), outcome.measurement, log);
    }
    // Self-check: head measured a second time as its own base (A/A); what differs is noise.
    const head = outcomes.head;
    const selfCheck = inputs.selfCheck && head?.measurement && head.kind !== 'crashed' && !ctx.signal?.aborted
        ? await measureOne('head', 'head (self-check)', comparisonWindows(head.measurement.snapshots)).catch((error) => {
            // A stop during the A/A run leaves the real measurement whole: report it without the check.
            if (ctx.signal?.aborted)
                return undefined;
            throw error;
        })
        : undefined;
    // A crash of the A/A run is the run's failure, as any other; a stop of it was handled above.
    if (selfCheck?.kind === 'crashed')
        throw selfCheck.crash;
    return {
        outcomes,
        ...(selfCheck?.kind === 'measured' ? { selfCheck: selfCheck.measurement } : {}),
        memProfileRate: settings.memProfileRate,
    };
}

// When a run must stop before its end, shared by the action and the CLI so both
// stop the same way: the `timeout` input's deadline, and a cancelled job (the
// runner sends SIGINT, then SIGTERM ~7.5 s later, then kills). Either aborts the
// pipeline's signal; the pipeline stops the service and the load and reports
// what it measured so far.
/** Why the run stopped early; its message is the one line the run fails with. */
class RunStoppedError extends Error {
    summary;
    cancelled;
    name = 'RunStoppedError';
    constructor(message, 
    /** How the report's note opens, e.g. "timeout after 15m". */
    summary, 
    /** A signal, not the deadline: the runner kills the job seconds later, so publish first. */
    cancelled = false) {
        super(message);
        this.summary = summary;
        this.cancelled = cancelled;
    }
}
const SIGNALS = ['SIGINT', 'SIGTERM'];
function startRunControl(timeoutMs) {
    const controller = new AbortController();
    const limit = formatDuration$1(timeoutMs);
    const deadline = setTimeout(() => controller.abort(new RunStoppedError(`timeout: the run took longer than ${limit}`, `timeout after ${limit}`)), timeoutMs);
    // The first signal aborts; a second (SIGTERM after SIGINT) finds it aborted and lets the
    // report already on its way finish. `on`, not `once`: while a listener is registered, the
    // service safety net (service/process.ts) does not re-raise the signal and end us first.
    const onSignal = (signal) => controller.abort(new RunStoppedError('interrupted', `interrupted by ${signal}`, true));
    for (const s of SIGNALS)
        process.on(s, onSignal);
    return {
        signal: controller.signal,
        explain: (error) => (controller.signal.aborted ? controller.signal.reason : error),
        dispose() {
            clearTimeout(deadline);
            for (const s of SIGNALS)
                process.off(s, onSignal);
        },
    };
}

// Where this machine lets us make cgroups, and one side's cgroups: create, limit
// memory, list members, kill every member, remove. Three layouts are met:
// pure v2 (GitHub's runners: memory.max, memory.events, cgroup.kill), hybrid (v2
// for cgroup.kill, v1 memory for the limit), and pure v1 (freezer to kill whole).
/** /proc/self/mountinfo: the cgroup and cgroup2 mounts. */
function parseMountinfo(text) {
    const mounts = [];
    for (const line of text.split('\n')) {
        const [left, right] = line.split(' - ');
        if (!left || !right)
            continue;
        const fields = left.split(' ');
        const [fstype, , superOpts] = right.split(' ');
        if (fstype !== 'cgroup' && fstype !== 'cgroup2')
            continue;
        mounts.push({
            mountPoint: unescapeMount(fields[4] ?? ''),
            root: unescapeMount(fields[3] ?? '/'),
            fstype,
            superOptions: (superOpts ?? '').split(','),
        });
    }
    return mounts;
}
function unescapeMount(s) {
    return s.replace(/\\([0-7]{3})/g, (_, oct) => String.fromCharCode(parseInt(oct, 8)));
}
/** /proc/self/cgroup: our path per v1 controller, and under '' the v2 path. */
function parseProcCgroup(text) {
    const paths = new Map();
    for (const line of text.split('\n')) {
        const m = /^\d+:([^:]*):(.*)$/.exec(line);
        if (!m)
            continue;
        for (const controller of m[1].split(','))
            paths.set(controller, m[2]);
    }
    return paths;
}
/**
 * Where to create cgroups. v2: the hierarchy's root when the mount shows it
 * (processes may move there, and its subtree_control usually has memory), else
 * our own cgroup. v1: under our own cgroup of each controller, so limits set
 * above us still hold.
 */
function planCgroups(procCgroup, mountinfo) {
    const ours = parseProcCgroup(procCgroup);
    const plan = { v1: {} };
    for (const mount of parseMountinfo(mountinfo)) {
        if (mount.fstype === 'cgroup2') {
            if (plan.v2 || !ours.has(''))
                continue;
            plan.v2 = mount.root === '/' ? mount.mountPoint : inside(mount, ours.get(''));
            continue;
        }
        for (const controller of ['memory', 'freezer', 'pids']) {
            if (!mount.superOptions.includes(controller) || plan.v1[controller])
                continue;
            const path = ours.get(controller);
            if (path !== undefined)
                plan.v1[controller] = inside(mount, path);
        }
    }
    return plan;
}
/** Our cgroup's directory in a mount (whose root may itself be a subtree, in a container). */
function inside(mount, path) {
    const rel = mount.root !== '/' && path.startsWith(mount.root) ? path.slice(mount.root.length) : path;
    return join$1(mount.mountPoint, rel).replace(/(.)\/+$/, '$1');
}
function readPlan() {
    return planCgroups(fs.readFileSync('/proc/self/cgroup', 'utf8'), fs.readFileSync('/proc/self/mountinfo', 'utf8'));
}
function readText(path) {
    try {
        return fs.readFileSync(path, 'utf8');
    }
    catch {
        return undefined;
    }
}
/** `key value` lines (memory.events, memory.oom_control). */
function readCounter(text, key) {
    const m = new RegExp(`^${key} (\\d+)$`, 'm').exec(text ?? '');
    return m ? Number(m[1]) : 0;
}
/** One side's cgroups: every process the side starts is in all of them. */
class SideCgroup {
    ops;
    dirs;
    v2;
    v1Memory;
    v1Freezer;
    memoryLimit;
    constructor(ops, 
    /** Every directory made, in creation order. */
    dirs, v2, v1Memory, v1Freezer, 
    /** The memory limit in force, or undefined when no memory controller was found. */
    memoryLimit) {
        this.ops = ops;
        this.dirs = dirs;
        this.v2 = v2;
        this.v1Memory = v1Memory;
        this.v1Freezer = v1Freezer;
        this.memoryLimit = memoryLimit;
    }
    /** The cgroup.procs files a process joins (writes its pid to) before it runs the side's code. */
    get procsFiles() {
        return this.dirs.map((d) => join$1(d, 'cgroup.procs'));
    }
    /** What is in place, for the log: "cgroup v2 (cgroup.kill, memory.max 2 GiB)". */
    describe() {
        const parts = [];
        if (this.v2)
            parts.push(fs.existsSync(join$1(this.v2, 'cgroup.kill')) ? 'cgroup v2 (cgroup.kill)' : 'cgroup v2');
        if (this.v1Freezer)
            parts.push('v1 freezer');
        if (this.v1Memory)
            parts.push('v1 memory');
        return parts.join(' + ');
    }
    /** A cgroup made by an earlier run, to kill what is left in it. */
    static adopt(ops, dir) {
        return new SideCgroup(ops, [dir], fs.existsSync(join$1(dir, 'cgroup.kill')) ? dir : undefined);
    }
    static async create(ops, plan, name, memoryLimit) {
        const dirs = [];
        const make = async (parent) => {
            if (!parent)
                return undefined;
            const dir = join$1(parent, name);
            try {
                await ops.mkdir(dir);
            }
            catch {
                return undefined;
            }
            dirs.push(dir);
            return dir;
        };
        const v2 = await make(plan.v2);
        let limit;
        let v1Memory;
        if (memoryLimit !== undefined && v2 && fs.existsSync(join$1(v2, 'memory.max'))) {
            await ops.write(join$1(v2, 'memory.max'), String(memoryLimit));
            // Swap would turn the limit into a slow crawl instead of a kill.
            if (fs.existsSync(join$1(v2, 'memory.swap.max')))
                await ops.write(join$1(v2, 'memory.swap.max'), '0');
            limit = memoryLimit;
        }
        else if (memoryLimit !== undefined) {
            v1Memory = await make(plan.v1.memory);
            if (v1Memory) {
                await ops.write(join$1(v1Memory, 'memory.limit_in_bytes'), String(memoryLimit));
                limit = memoryLimit;
            }
        }
        // Without cgroup.kill, the freezer stops forks while every member is killed.
        const v1Freezer = v2 && fs.existsSync(join$1(v2, 'cgroup.kill')) ? undefined : await make(plan.v1.freezer);
        if (dirs.length === 0)
            throw new Error(`cannot create a cgroup (tried ${JSON.stringify(plan)})`);
        return new SideCgroup(ops, dirs, v2, v1Memory, v1Freezer, limit);
    }
    /** Pids in the side's cgroups now. */
    members() {
        const pids = new Set();
        for (const dir of this.dirs) {
            for (const line of (readText(join$1(dir, 'cgroup.procs')) ?? '').split('\n')) {
                if (/^\d+$/.test(line))
                    pids.add(Number(line));
            }
        }
        return [...pids];
    }
    /** Whether the kernel killed a member for reaching the memory limit. */
    oomKilled() {
        if (this.memoryLimit === undefined)
            return false;
        if (this.v1Memory)
            return readCounter(readText(join$1(this.v1Memory, 'memory.oom_control')), 'oom_kill') > 0;
        return !!this.v2 && readCounter(readText(join$1(this.v2, 'memory.events')), 'oom_kill') > 0;
    }
    /** The most memory the side's processes held at once, where the kernel keeps it. */
    peakBytes() {
        const text = this.v1Memory
            ? readText(join$1(this.v1Memory, 'memory.max_usage_in_bytes'))
            : this.v2 && readText(join$1(this.v2, 'memory.peak'));
        return text && /^\d+\s*$/.test(text) ? Number(text) : undefined;
    }
    /** Kills every member, including those that left their session or process group; waits until none is left. */
    async killAll(timeoutMs = 5000) {
        const deadline = Date.now() + timeoutMs;
        const v2Kill = this.v2 && join$1(this.v2, 'cgroup.kill');
        if (v2Kill && fs.existsSync(v2Kill)) {
            if (this.members().length > 0)
                await this.ops.write(v2Kill, '1');
        }
        else if (this.v1Freezer) {
            const state = join$1(this.v1Freezer, 'freezer.state');
            await this.ops.write(state, 'FROZEN');
            while (readText(state)?.trim() !== 'FROZEN' && Date.now() < deadline)
                await sleep(10);
            await this.ops.kill(this.members(), 'KILL');
            await this.ops.write(state, 'THAWED');
        }
        for (;;) {
            const left = this.members();
            if (left.length === 0 || Date.now() >= deadline)
                return left;
            // No cgroup.kill and no freezer: kill what is there until nothing is.
            await this.ops.kill(left, 'KILL');
            await sleep(20);
        }
    }
    /** Synchronous cgroup.kill, for our own exit. */
    killSync() {
        if (this.v2 && fs.existsSync(join$1(this.v2, 'cgroup.kill')))
            this.ops.writeSync(join$1(this.v2, 'cgroup.kill'), '1');
    }
    async remove() {
        for (const dir of [...this.dirs].reverse())
            await this.ops.rmdir(dir).catch(() => { });
    }
}
function sleep(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

// How the action may act as another user and set up cgroups: as root directly,
// through passwordless `sudo -n` (GitHub's hosted runners), or not at all.
/** Runs argv (no shell), with a small, fixed environment, collecting its output. */
function run(argv, opts = {}) {
    return new Promise((resolve) => {
        const child = spawn(argv[0], argv.slice(1), {
            env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C' },
            stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
        });
        let output = '';
        child.stdout?.on('data', (d) => (output += d.toString('utf8')));
        child.stderr?.on('data', (d) => (output += d.toString('utf8')));
        if (opts.input !== undefined)
            child.stdin?.end(opts.input);
        const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
        child.on('error', (error) => {
            clearTimeout(timer);
            resolve({ code: null, output: error.message });
        });
        child.on('close', (code) => {
            clearTimeout(timer);
            resolve({ code, output: output.trim() });
        });
    });
}
/** argv as it runs with our privilege: as is for root, under `sudo -n` otherwise. */
function privileged(priv, argv) {
    return priv.kind === 'sudo' ? ['sudo', '-n', '--', ...argv] : argv;
}
async function runPrivileged(priv, argv) {
    return run(privileged(priv, argv));
}
/** Root, passwordless sudo, or neither (and why not, for the one log line that says so). */
async function detectPrivilege() {
    if (process.getuid?.() === 0)
        return { kind: 'root' };
    const probe = await run(['sudo', '-n', 'true'], { timeoutMs: 10_000 });
    if (probe.code === 0)
        return { kind: 'sudo' };
    const why = probe.output.split('\n')[0] || `exit ${probe.code}`;
    return { kind: 'none', reason: `not root and no passwordless sudo (sudo -n true: ${why})` };
}

// The few privileged things the sandbox does, done directly as root or through
// `sudo -n` otherwise: create and remove cgroups, write their control files,
// signal the sandbox user's processes.
function opsFor(priv) {
    return priv.kind === 'sudo' ? sudoOps(priv) : rootOps();
}
function rootOps() {
    return {
        mkdir: async (path) => void fs.mkdirSync(path),
        rmdir: async (path) => fs.rmdirSync(path),
        write: async (path, value) => fs.writeFileSync(path, value),
        kill: async (pids, signal) => {
            for (const pid of pids) {
                try {
                    process.kill(pid, `SIG${signal}`);
                }
                catch {
                    // gone already
                }
            }
        },
        chown: async (path, uid, gid) => {
            const r = await run(['chown', '-R', '-P', `${uid}:${gid}`, path]);
            if (r.code !== 0)
                throw new Error(`chown of ${path}: ${r.output}`);
        },
        removeTree: async (path) => fs.rmSync(path, { recursive: true, force: true }),
        writeSync: (path, value) => {
            try {
                fs.writeFileSync(path, value);
            }
            catch {
                // best effort on the way out
            }
        },
    };
}
function sudoOps(priv) {
    const must = async (argv) => {
        const r = await runPrivileged(priv, argv);
        if (r.code !== 0)
            throw new Error(`${argv.join(' ')}: ${r.output || `exit ${r.code}`}`);
    };
    const WRITE = 'printf "%s\\n" "$1" > "$2"';
    return {
        mkdir: (path) => must(['mkdir', path]),
        rmdir: (path) => must(['rmdir', path]),
        write: (path, value) => must(['sh', '-c', WRITE, 'sh', value, path]),
        kill: async (pids, signal) => {
            if (pids.length > 0)
                await runPrivileged(priv, ['kill', `-${signal}`, ...pids.map(String)]);
        },
        chown: (path, uid, gid) => must(['chown', '-R', '-P', `${uid}:${gid}`, path]),
        removeTree: (path) => must(['rm', '-rf', '--', path]),
        writeSync: (path, value) => {
            spawnSync('sudo', ['-n', '--', 'sh', '-c', WRITE, 'sh', value, path], {
                stdio: 'ignore',
                timeout: 5000,
            });
        },
    };
}

// The unprivileged user the pull request's code runs as, created on first use.
// It owns nothing of the runner's, has no shell, no home and no sudo rights.
/** A system account's name; macOS hides accounts that start with an underscore. */
function sandboxUserName(platform) {
    return platform === 'darwin' ? '_memleaksandbox' : 'memleak-sandbox';
}
function linuxCreateCommands(name) {
    return [
        [
            'useradd',
            '--system',
            '--user-group',
            '--no-create-home',
            '--home-dir',
            '/nonexistent',
            '--shell',
            '/usr/sbin/nologin',
            name,
        ],
    ];
}
/** dscl calls that make a hidden account `name` with uid = gid = id and its own group. */
function macCreateCommands(name, id) {
    const user = `/Users/${name}`;
    const group = `/Groups/${name}`;
    return [
        ['dscl', '.', '-create', group],
        ['dscl', '.', '-create', group, 'PrimaryGroupID', String(id)],
        ['dscl', '.', '-create', user],
        ['dscl', '.', '-create', user, 'UniqueID', String(id)],
        ['dscl', '.', '-create', user, 'PrimaryGroupID', String(id)],
        ['dscl', '.', '-create', user, 'UserShell', '/usr/bin/false'],
        ['dscl', '.', '-create', user, 'NFSHomeDirectory', '/var/empty'],
        ['dscl', '.', '-create', user, 'IsHidden', '1'],
    ];
}
/** The first id from 400 (system accounts, below the 500 of people) that no user or group holds. */
function freeMacId(dsclUsers, dsclGroups) {
    const taken = new Set(`${dsclUsers}\n${dsclGroups}`
        .split('\n')
        .map((l) => Number(l.trim().split(/\s+/).pop()))
        .filter(Number.isInteger));
    for (let id = 400; id < 500; id++)
        if (!taken.has(id))
            return id;
    throw new Error('no free id between 400 and 499 for the sandbox account');
}
async function lookUp(name) {
    const uid = await run(['id', '-u', name]);
    const gid = await run(['id', '-g', name]);
    if (uid.code !== 0 || gid.code !== 0)
        return undefined;
    return { name, uid: Number(uid.output), gid: Number(gid.output) };
}
async function ensureSandboxUser(priv, platform) {
    const name = sandboxUserName(platform);
    const existing = await lookUp(name);
    if (existing)
        return existing;
    let commands;
    if (platform === 'darwin') {
        const users = await run(['dscl', '.', '-list', '/Users', 'UniqueID']);
        const groups = await run(['dscl', '.', '-list', '/Groups', 'PrimaryGroupID']);
        commands = macCreateCommands(name, freeMacId(users.output, groups.output));
    }
    else
        commands = linuxCreateCommands(name);
    let failure = '';
    for (const argv of commands) {
        const r = await runPrivileged(priv, argv);
        if (r.code !== 0)
            failure ||= `${argv[0]}: ${r.output || `exit ${r.code}`}`;
    }
    // Another job on the machine may have made it at the same moment: what counts is that it exists.
    const made = await lookUp(name);
    if (made)
        return made;
    throw new Error(`cannot create the sandbox user ${name}: ${failure}`);
}

// The command lines a sandboxed process starts with: on Linux a shell that
// joins the scope's cgroups and drops to the sandbox user with setpriv; on
// macOS sudo -u. Always `env -i`, so the command gets exactly its environment.
/** Joins the cgroups, records the pid, then becomes the sandbox user; exec keeps the pid throughout. */
const JOIN_SCRIPT = [
    'pidfile=$1 u=$2 g=$3 setpriv=$4 n=$5; shift 5',
    'echo $$ > "$pidfile" || exit 125',
    'while [ "$n" -gt 0 ]; do echo $$ > "$1" || exit 125; shift; n=$((n-1)); done',
    'exec "$setpriv" --reuid="$u" --regid="$g" --clear-groups --no-new-privs -- "$@"',
].join('\n');
/** `env -i K=V...`: the command gets exactly env, whatever sudo's policy on the environment. */
function envArgv(env) {
    return ['env', '-i', ...Object.entries(env).map(([k, v]) => `${k}=${v}`)];
}
/** The Linux command line of a scope: [sudo -n --] env -i ... sh -c JOIN ... setpriv ... command args. */
function linuxWrap(priv, user, setpriv, pidFile, procsFiles, command, args, env) {
    return privileged(priv, [
        ...envArgv(env),
        '/bin/sh',
        '-c',
        JOIN_SCRIPT,
        'memleak-sandbox',
        pidFile,
        String(user.uid),
        String(user.gid),
        setpriv,
        String(procsFiles.length),
        ...procsFiles,
        command,
        ...args,
    ]);
}
/** The macOS command line: sudo switches the user itself; as root, node does (spawn's uid/gid). */
function macWrap(priv, user, command, args, env) {
    const argv = [...envArgv(env), command, ...args];
    return priv.kind === 'sudo' ? ['sudo', '-n', '-u', user.name, '--', ...argv] : argv;
}
/** Kills every process of the user: `kill -KILL -1` run as that user signals all of its processes but itself. */
function macKillAllCommand(priv, user) {
    return priv.kind === 'sudo'
        ? ['sudo', '-n', '-u', user.name, '--', 'kill', '-KILL', '-1']
        : ['kill', '-KILL', '-1'];
}

// Cleaning up after a run that was killed (a job's timeout) before it could:
// cgroups and directories named for a pid that is gone, and their processes.
function pidAlive(pid) {
    try {
        process.kill(pid, 0);
        return true;
    }
    catch (error) {
        return error.code === 'EPERM';
    }
}
/**
 * What a run killed with SIGKILL (a job's timeout) could not clean up: cgroups
 * and directories named for a pid that is gone. Their processes are killed too.
 */
async function sweepStale(ops, plan, uid) {
    for (const parent of [plan.v2, ...Object.values(plan.v1)]) {
        if (!parent)
            continue;
        let names = [];
        try {
            names = fs.readdirSync(parent);
        }
        catch {
            continue;
        }
        for (const name of names) {
            const m = /^memleak-(\d+)-/.exec(name);
            if (!m || pidAlive(Number(m[1])))
                continue;
            const stale = SideCgroup.adopt(ops, join$1(parent, name));
            // Only our sandbox user's processes: a pid that looks dead may be another pid namespace's run.
            if (stale.members().some((pid) => uidOf(pid) !== uid))
                continue;
            await stale.killAll().catch(() => []);
            await ops.rmdir(join$1(parent, name)).catch(() => { });
        }
    }
}
function uidOf(pid) {
    try {
        const m = /^Uid:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
        return m ? Number(m[1]) : undefined;
    }
    catch {
        return undefined;
    }
}
async function sweepStaleDirs(ops) {
    const tmp = fs.realpathSync('/tmp');
    for (const name of fs.readdirSync(tmp)) {
        const m = /^memleak-sandbox-(\d+)-/.exec(name);
        if (m && !pidAlive(Number(m[1])))
            await ops.removeTree(join$1(tmp, name)).catch(() => { });
    }
}

// The pull request's code (build-command, the service, whatever they start) runs
// as another, unprivileged user, so it cannot read our environment through
// /proc (where the token is) nor write the runner's files; on Linux each scope
// (a side's build, a side's service) is a cgroup, killed whole when it ends, so
// a process that left its session with setsid still dies; macOS has no cgroups:
// every process of the sandbox user is killed instead. Where we are neither
// root nor have passwordless sudo, nothing is isolated and the report says so.
function noIsolation(reason) {
    const description = `no isolation: ${reason}; the pull request's code runs as this user and could read the token`;
    return {
        isolated: false,
        description,
        scope: async (name) => ({
            name,
            wrap: (command, args, env) => ({ command, args, env }),
            mainPid: (pid) => pid,
            terminate: async () => { },
            killAll: async () => [],
            oomKilled: () => false,
            dispose: async () => { },
        }),
        copyTree: async (tree) => tree,
        readOnlyDir: async (name) => mkdtemp(join$1(fs.realpathSync('/tmp'), `memleak-${name}-`)),
        handOver: async () => { },
        dispose: async () => { },
    };
}
function findSetpriv() {
    for (const dir of ['/usr/bin', '/bin', '/usr/sbin', '/sbin']) {
        if (fs.existsSync(join$1(dir, 'setpriv')))
            return join$1(dir, 'setpriv');
    }
    return undefined;
}
/** What a pid is, for "still alive: pid 12 (sleep 3600)". */
function describePid(pid) {
    let cmd = '';
    try {
        cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    }
    catch {
        // not Linux, or gone
    }
    return cmd ? `pid ${pid} (${cmd.slice(0, 80)})` : `pid ${pid}`;
}
/**
 * Sets up the sandbox: the user (created when missing), the cgroup layout, the
 * sandbox's directory. Long (over 80 lines) because the scopes and the Sandbox it
 * returns close over the user, the cgroup plan and the live scopes set up here.
 */
async function createSandbox(opts = {}) {
    const platform = opts.platform ?? process.platform;
    if (platform !== 'linux' && platform !== 'darwin')
        return noIsolation(`${platform} is not supported`);
    const priv = opts.privilege ?? (await detectPrivilege());
    if (priv.kind === 'none')
        return noIsolation(priv.reason);
    let setpriv;
    let plan;
    if (platform === 'linux') {
        setpriv = findSetpriv();
        if (!setpriv)
            return noIsolation('setpriv (util-linux) is not installed');
        plan = readPlan();
        if (!plan.v2 && !plan.v1.freezer && !plan.v1.pids && !plan.v1.memory)
            return noIsolation('no cgroup hierarchy is mounted');
    }
    let user;
    try {
        user = await ensureSandboxUser(priv, platform);
    }
    catch (error) {
        return noIsolation(error.message);
    }
    const ops = opsFor(priv);
    // Not under TMPDIR: RUNNER_TEMP is in the runner's home, which other users may not enter.
    if (plan)
        await sweepStale(ops, plan, user.uid);
    await sweepStaleDirs(ops);
    const root = await mkdtemp(join$1(fs.realpathSync('/tmp'), `memleak-sandbox-${process.pid}-`));
    fs.chmodSync(root, 0o755);
    const runDir = join$1(root, 'run');
    await mkdir(runDir, { mode: 0o755 });
    const home = join$1(root, 'home');
    await mkdir(join$1(home, 'tmp'), { recursive: true });
    await ops.chown(home, user.uid, user.gid);
    fs.chmodSync(home, 0o700);
    const live = new Set();
    const onExit = () => {
        for (const scope of live)
            scope.killSync?.();
    };
    process.on('exit', onExit);
    let count = 0;
    const linuxScope = async (name) => {
        const id = `memleak-${process.pid}-${++count}-${name.replace(/[^\w-]/g, '_')}`;
        const cgroup = await SideCgroup.create(ops, plan, id, opts.memoryLimit);
        const pidFile = join$1(runDir, `${id}.pid`);
        const scope = {
            name,
            memoryLimit: cgroup.memoryLimit,
            wrap: (command, args, env) => {
                const argv = linuxWrap(priv, user, setpriv, pidFile, cgroup.procsFiles, command, args, env);
                return { command: argv[0], args: argv.slice(1), env: { PATH: env.PATH ?? '/usr/bin:/bin' } };
            },
            mainPid: (spawned) => {
                const text = fs.existsSync(pidFile) ? fs.readFileSync(pidFile, 'utf8').trim() : '';
                return /^\d+$/.test(text) ? Number(text) : spawned;
            },
            terminate: () => ops.kill(cgroup.members(), 'TERM'),
            killAll: async () => (await cgroup.killAll()).map(describePid),
            oomKilled: () => cgroup.oomKilled(),
            killSync: () => cgroup.killSync(),
            dispose: async () => {
                live.delete(scope);
                await cgroup.killAll();
                await cgroup.remove();
            },
        };
        live.add(scope);
        return scope;
    };
    const macScope = async (name) => {
        const survivors = async () => {
            const ps = await run(['ps', '-U', String(user.uid), '-o', 'pid=,comm=']);
            return ps.output
                .split('\n')
                .map((l) => l.trim())
                .filter((l) => /^\d+/.test(l))
                .map((l) => `pid ${l.replace(/\s+/, ' (')})`);
        };
        const killAll = async () => {
            const argv = macKillAllCommand(priv, user);
            const deadline = Date.now() + 5000;
            for (;;) {
                if (priv.kind === 'root')
                    spawnSync(argv[0], argv.slice(1), { uid: user.uid, gid: user.gid, stdio: 'ignore' });
                else
                    await run(argv);
                const left = await survivors();
                if (left.length === 0 || Date.now() > deadline)
                    return left;
                await new Promise((r) => setTimeout(r, 50));
            }
        };
        const scope = {
            name,
            wrap: (command, args, env) => {
                const argv = macWrap(priv, user, command, args, env);
                const spec = {
                    command: argv[0],
                    args: argv.slice(1),
                    env: { PATH: env.PATH ?? '/usr/bin:/bin' },
                };
                if (priv.kind === 'root')
                    Object.assign(spec, { uid: user.uid, gid: user.gid });
                return spec;
            },
            mainPid: (pid) => pid,
            terminate: async () => {
                const argv = priv.kind === 'sudo' ? ['sudo', '-n', '-u', user.name, '--', 'kill', '-TERM', '-1'] : undefined;
                if (argv)
                    await run(argv);
                else
                    spawnSync('kill', ['-TERM', '-1'], { uid: user.uid, gid: user.gid, stdio: 'ignore' });
            },
            killAll,
            oomKilled: () => false,
            killSync: () => {
                const argv = macKillAllCommand(priv, user);
                spawnSync(argv[0], argv.slice(1), {
                    stdio: 'ignore',
                    timeout: 5000,
                    ...(priv.kind === 'root' ? { uid: user.uid, gid: user.gid } : {}),
                });
            },
            dispose: async () => {
                live.delete(scope);
                await killAll();
            },
        };
        live.add(scope);
        return scope;
    };
    const where = platform === 'linux'
        ? 'a cgroup per build and per service'
        : 'every process of the user killed after each';
    const limit = opts.memoryLimit !== undefined && platform === 'linux'
        ? `, memory limit ${formatMemoryLimit(opts.memoryLimit)}`
        : '';
    return {
        isolated: true,
        description: `sandbox: the pull request's code runs as ${user.name} (uid ${user.uid}) via ${priv.kind}, ${where}${limit}`,
        user,
        root,
        home,
        scope: platform === 'linux' ? linuxScope : macScope,
        copyTree: async (tree, name) => {
            const dest = join$1(root, name);
            await cp(tree, dest, {
                recursive: true,
                verbatimSymlinks: true,
                // The checkout's .git/config holds the token unless persist-credentials is false.
                filter: (src) => basename(src) !== '.git',
            });
            await ops.chown(dest, user.uid, user.gid);
            return dest;
        },
        readOnlyDir: async (name) => {
            const dir = join$1(root, name);
            await mkdir(dir, { mode: 0o755 });
            fs.chmodSync(dir, 0o755);
            return dir;
        },
        handOver: (dir) => ops.chown(dir, user.uid, user.gid),
        dispose: async () => {
            for (const scope of [...live])
                await scope.dispose();
            process.removeListener('exit', onExit);
            await ops.removeTree(root);
        },
    };
}

// The whole job, shared by the action (main.ts) and the CLI (cli.ts), one way:
// build both sides, measure each under load, decode, analyse, write the report.
function stopReason(signal) {
    return signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason));
}
async function runPipeline(inputs, ctx) {
    const { log } = ctx;
    const forbidden = ctx.forbiddenValues ?? [];
    assertNoRunnerSecret('env', Object.entries(inputs.env), forbidden);
    assertNoRunnerSecret('headers', inputs.headers, forbidden);
    await rm(ctx.outDir, { recursive: true, force: true });
    await mkdir(ctx.outDir, { recursive: true });
    const sides = ctx.baseRef ? ['base', 'head'] : ['head'];
    let baseTree;
    const sandbox = ctx.sandbox ?? (await createSandbox({ memoryLimit: inputs.memoryLimit }));
    // Said once, here and in the report: without isolation the PR's code could read the token.
    if (sandbox.isolated)
        log.info(sandbox.description);
    else
        log.warn(sandbox.description);
    // Binaries live outside outDir, which is uploaded as the artifact as it is; in the
    // sandbox's directory when there is one, so the sandbox user can run them.
    const binDir = sandbox.isolated
        ? await sandbox.readOnlyDir('bin')
        : await mkdtemp(join$1(tmpdir(), 'memleak-bin-'));
    const runStart = Date.now();
    try {
        const build = await log.group('Build', () => buildSides(inputs, ctx, sides, sandbox, binDir, (tree) => (baseTree = tree)));
        const { requests, requestsNote } = build;
        const buildMs = Date.now() - runStart;
        const measured = await measureSides(inputs, ctx, sides, build.built, requests, sandbox);
        const { outcomes } = measured;
        // Nothing measured before the stop: the stop is the whole story, in one line.
        if (ctx.signal?.aborted && !outcomes.base?.measurement && !outcomes.head?.measurement) {
            throw stopReason(ctx.signal);
        }
        const stopped = ctx.signal?.aborted ? stopReason(ctx.signal) : undefined;
        // Only now, with every service stopped, decode and analyse.
        const analysisStart = Date.now();
        const modulePath = build.built.head.modulePath;
        const decodeOptions = { maxProfileBytes: inputs.maxProfileBytes };
        const head = outcomes.head && decodeOutcome(outcomes.head, decodeOptions);
        const base = outcomes.base && decodeOutcome(outcomes.base, decodeOptions);
        if (measured.selfCheck)
            capLog(measured.selfCheck.logPath);
        const selfCheck = measured.selfCheck && head?.measurement ? decodeSide(measured.selfCheck, decodeOptions) : undefined;
        const analysis = analyse({
            sides,
            ...(base ? { base } : {}),
            ...(head ? { head } : {}),
            ...(selfCheck ? { selfCheck } : {}),
            ...(stopped
                ? { stopped: stopped instanceof RunStoppedError ? stopped.summary : oneLine$1(stopped) }
                : {}),
            ...(sandbox.isolated ? {} : { sandboxNote: `${sandbox.description}.` }),
            ...(requestsNote ? { requestsNote } : {}),
        }, {
            modulePath,
            regressionThreshold: inputs.regressionThreshold,
            alpha: RUN_ALPHA,
            memProfileRate: measured.memProfileRate,
        });
        const timing = runTiming(outcomes, {
            buildMs,
            analysisMs: Date.now() - analysisStart,
            totalMs: Date.now() - runStart,
        });
        const meta = await reportMeta(inputs, ctx, {
            timing,
            sides,
            modulePath,
            requests,
            baseTree: build.baseTree,
            sandboxRoot: sandbox.root,
        });
        const report = reportOf(analysis, meta, inputs, stopped);
        const reportPath = await writeReport(ctx.outDir, report);
        return {
            report,
            markdown: renderMarkdown(report, { artifactUrl: ctx.artifactUrl }),
            reportPath,
            ...(stopped ? { stopped } : {}),
        };
    }
    finally {
        await baseTree?.remove();
        await rm(binDir, { recursive: true, force: true });
        if (!ctx.sandbox)
            await sandbox.dispose();
    }
}

export { ACTION_INPUT_DEFAULTS as A, parseReport as B, failuresFor as C, commentMarker as D, readActionInputs as E, INPUT_DEFAULTS as I, KIND_LABEL as K, MAX_COMMENT_CHARS as M, ProfileError as P, RunStoppedError as R, UsageError as U, VERSION as V, startRunControl as a, runPipeline as b, runCommand as c, decodeProfile as d, orderFindings as e, formatBytes as f, formatChange as g, repoRelativePath as h, formatQuantity as i, formatRate as j, safeCommentId as k, codeSpan as l, proseToMarkdown as m, escapeMarkdown as n, oneLine$1 as o, parseSize as p, findingNumber as q, readInputs as r, sampleColumns as s, safeUrl as t, shortSha as u, isLeak as v, markdownTable as w, formatSignedBytes as x, renderMarkdown as y, escapeHtml as z };
