#!/usr/bin/env node
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { P as ProfileError, s as sampleColumns, d as decodeProfile, A as ACTION_INPUT_DEFAULTS, U as UsageError, I as INPUT_DEFAULTS, V as VERSION, o as oneLine, r as readInputs, a as startRunControl, b as runPipeline, p as parseSize, c as runCommand } from './pipeline.js';
import 'node:crypto';
import 'node:os';
import 'node:http';
import 'node:https';
import 'node:zlib';
import 'node:fs';
import 'node:child_process';
import './shared.js';
import 'node:worker_threads';
import 'node:url';
import 'node:net';

/**
 * Index of the sample type called `name` in profile.sampleTypes. Values are
 * always picked by name: Go's heap profile order is an implementation detail.
 */
function valueIndex(profile, name) {
    const i = profile.sampleTypes.findIndex((t) => t.type === name);
    if (i < 0) {
        const has = profile.sampleTypes.map((t) => t.type).join(', ');
        throw new ProfileError(`profile has no ${name} sample type (has: ${has || 'none'})`);
    }
    return i;
}
function hasSampleType(profile, name) {
    return profile.sampleTypes.some((t) => t.type === name);
}
/**
 * The sample type a report shows when none is asked for, as pprof picks it:
 * the profile's default_sample_type, else the last one (inuse_space for a Go
 * heap profile, cpu for a CPU profile).
 */
function defaultSampleType(profile) {
    if (profile.defaultSampleType && hasSampleType(profile, profile.defaultSampleType)) {
        return profile.defaultSampleType;
    }
    const last = profile.sampleTypes[profile.sampleTypes.length - 1];
    if (!last)
        throw new ProfileError('profile has no sample types');
    return last.type;
}

// Grouping samples by function, as `go tool pprof -top` does: flat and cum per
// function over one or more profiles with a sign each (a diff adds head and
// subtracts base), and pprof's "(inline)" marks from the call graph's edges.
/** Per-key accumulator; `stamp` makes cum count a key once per sample without a Set. */
class Acc {
    name;
    func;
    flat = 0;
    cum = 0;
    stamp = -1;
    // State of the current inlineMarks pass, reset at its start (fields, not maps, keep the passes cheap).
    kept = false;
    inlinable = false;
    /** Incoming edges by caller, for inlinable functions only. */
    edges;
    constructor(name, func) {
        this.name = name;
        this.func = func;
    }
}
/** Groups by function, accumulating one or more profiles with a sign each (a diff is head +1, base −1). */
class FunctionAccumulator {
    #key;
    #byFunc = new Map();
    #byKey = new Map();
    /** Every Acc, by id (its position here). */
    #accs = [];
    #ids = new Map();
    #inputs = [];
    #sampleSeq = 0;
    constructor(opts = {}) {
        this.#key = opts.key ?? ((f) => f.name);
    }
    #acc(func) {
        let acc = this.#byFunc.get(func);
        if (!acc) {
            const key = this.#key(func);
            acc = this.#byKey.get(key);
            if (!acc) {
                acc = new Acc(key, func);
                this.#byKey.set(key, acc);
                this.#ids.set(acc, this.#accs.length);
                this.#accs.push(acc);
            }
            this.#byFunc.set(func, acc);
        }
        return this.#ids.get(acc);
    }
    add(profile, sampleType, sign = 1) {
        const index = valueIndex(profile, sampleType);
        const nTypes = profile.sampleTypes.length;
        const { table, locs, offsets, values } = sampleColumns(profile);
        const count = offsets.length - 1;
        const weights = new Float64Array(count);
        for (let si = 0; si < count; si++)
            weights[si] = sign * values[si * nTypes + index];
        // Each location's frames resolved to accumulator ids once, so the loops below touch only typed arrays.
        const frameStart = new Int32Array(table.length + 1);
        for (let l = 0; l < table.length; l++)
            frameStart[l + 1] = frameStart[l] + table[l].frames.length;
        const frameAcc = new Int32Array(frameStart[table.length]);
        const frameInlined = new Uint8Array(frameAcc.length);
        for (let l = 0, f = 0; l < table.length; l++) {
            for (const frame of table[l].frames) {
                frameAcc[f] = this.#acc(frame.func);
                frameInlined[f++] = frame.inlined ? 1 : 0;
            }
        }
        this.#inputs.push({ weights, locs, offsets, frameStart, frameAcc, frameInlined });
        const accs = this.#accs;
        for (let si = 0; si < count; si++) {
            const v = weights[si];
            // pprof skips zero-valued samples entirely (they do not even create nodes).
            if (v === 0)
                continue;
            const start = offsets[si];
            const end = offsets[si + 1];
            if (start === end)
                continue;
            const stamp = this.#sampleSeq++;
            accs[frameAcc[frameStart[locs[start]]]].flat += v;
            for (let p = start; p < end; p++) {
                const l = locs[p];
                for (let f = frameStart[l], fe = frameStart[l + 1]; f < fe; f++) {
                    const acc = accs[frameAcc[f]];
                    if (acc.stamp !== stamp) {
                        acc.stamp = stamp;
                        acc.cum += v;
                    }
                }
            }
        }
    }
    /**
     * Rows with a non-zero flat or cum (pprof drops the others). With
     * `inlineMarks`, each row also gets pprof's "(inline)" mark, which costs
     * two more passes over the stacks.
     */
    rows(opts = {}) {
        const marks = opts.inlineMarks ? this.inlineMarks() : undefined;
        const rows = [];
        for (const a of this.#byKey.values()) {
            if (a.flat === 0 && a.cum === 0)
                continue;
            const row = { name: a.name, func: a.func, flat: a.flat, cum: a.cum };
            const mark = marks?.get(a.name);
            if (mark)
                row.inline = mark;
            rows.push(row);
        }
        return rows.sort(compareRows);
    }
    /**
     * pprof's "(inline)" marks. pprof keeps one edge per (caller, callee) pair,
     * inline only if every call along it was inlined, and drops edges whose
     * |weight| is under edgeFraction (default 0.001) of the total before it
     * labels nodes: "inline" when all remaining incoming edges are inline,
     * "partial-inline" when only some are.
     *
     * When a report keeps only some nodes, pprof rebuilds the graph from them,
     * so a node's caller becomes the nearest kept frame above it: pass `kept`
     * (the names shown) to get the marks of such a report.
     *
     * Edges are only recorded into functions that were inlined somewhere, which
     * keeps memory bounded by their callers.
     *
     * Long (over 80 lines) because its three passes over every sample (mark, record edges, label) share the
     * flattened-frame buffers, grown in place; split up, the hot loop would pass them around per sample.
     */
    inlineMarks(kept, edgeFraction = 0.001) {
        let netFlat = 0;
        for (const a of this.#byKey.values()) {
            a.kept = !kept || kept.has(a.name);
            a.inlinable = false;
            a.edges = undefined;
            netFlat += a.flat;
        }
        const accs = this.#accs;
        const cutoff = Math.abs(Math.trunc(netFlat * edgeFraction));
        let any = false;
        // A sample's frames, flattened: accumulator ids and inline flags.
        let ids = new Int32Array(256);
        let inl = new Uint8Array(256);
        const flatten = (input, si) => {
            const { locs, offsets, frameStart, frameAcc, frameInlined } = input;
            let n = 0;
            for (let p = offsets[si], end = offsets[si + 1]; p < end; p++) {
                const l = locs[p];
                for (let f = frameStart[l], fe = frameStart[l + 1]; f < fe; f++) {
                    if (n === ids.length) {
                        const grownIds = new Int32Array(n * 2);
                        grownIds.set(ids);
                        ids = grownIds;
                        const grownInl = new Uint8Array(n * 2);
                        grownInl.set(inl);
                        inl = grownInl;
                    }
                    ids[n] = frameAcc[f];
                    inl[n++] = frameInlined[f];
                }
            }
            return n;
        };
        for (const input of this.#inputs) {
            const weights = input.weights;
            for (let si = 0; si < weights.length; si++) {
                if (weights[si] === 0)
                    continue;
                const n = flatten(input, si);
                for (let i = 0; i < n - 1; i++) {
                    if (inl[i]) {
                        const a = accs[ids[i]];
                        if (a.kept)
                            any = a.inlinable = true;
                    }
                }
            }
        }
        const marks = new Map();
        if (!any)
            return marks;
        let seq = 0;
        for (const input of this.#inputs) {
            const weights = input.weights;
            for (let si = 0; si < weights.length; si++) {
                const w = weights[si];
                if (w === 0)
                    continue;
                const stamp = seq++;
                const n = flatten(input, si);
                for (let i = 0; i < n - 1; i++) {
                    const callee = accs[ids[i]];
                    if (!callee.inlinable)
                        continue;
                    let caller;
                    for (let j = i + 1; j < n && !caller; j++) {
                        const c = accs[ids[j]];
                        if (c.kept)
                            caller = c;
                    }
                    if (!caller || caller === callee)
                        continue;
                    const edges = (callee.edges ??= new Map());
                    let e = edges.get(caller);
                    if (!e)
                        edges.set(caller, (e = { weight: 0, stamp: -1, inline: true }));
                    if (e.stamp !== stamp) {
                        e.stamp = stamp;
                        e.weight += w;
                    }
                    if (!inl[i])
                        e.inline = false;
                }
            }
        }
        for (const a of this.#byKey.values()) {
            if (!a.edges)
                continue;
            let inline = false;
            let plain = false;
            for (const e of a.edges.values()) {
                if (Math.abs(e.weight) < cutoff)
                    continue;
                if (e.inline)
                    inline = true;
                else
                    plain = true;
            }
            if (inline)
                marks.set(a.name, plain ? 'partial-inline' : 'inline');
        }
        return marks;
    }
}
function compareRows(a, b) {
    const fa = Math.abs(a.flat);
    const fb = Math.abs(b.flat);
    if (fa !== fb)
        return fb - fa;
    if (a.name !== b.name)
        return a.name < b.name ? -1 : 1;
    return Math.abs(b.cum) - Math.abs(a.cum);
}

// By-function tables of one profile (pprof -top), totals, and sums of samples
// grouped by any key; the accumulating itself is function-accumulator.ts.
function absTotal(profile, index) {
    const nTypes = profile.sampleTypes.length;
    const { values } = sampleColumns(profile);
    let sum = 0;
    for (let at = index; at < values.length; at += nTypes)
        sum += Math.abs(values[at]);
    return sum;
}

// Value formatting as pprof's internal/measurement does it, so a table we print
// reads like `go tool pprof -top` for the same profile.
const B = { name: 'B', aliases: ['b', 'byte'], factor: 1 };
const S = { name: 's', aliases: [], factor: 1e9 };
const UNIT_TYPES = [
    {
        units: [
            B,
            { name: 'kB', aliases: ['kb', 'kbyte', 'kilobyte'], factor: 2 ** 10 },
            { name: 'MB', aliases: ['mb', 'mbyte', 'megabyte'], factor: 2 ** 20 },
            { name: 'GB', aliases: ['gb', 'gbyte', 'gigabyte'], factor: 2 ** 30 },
            { name: 'TB', aliases: ['tb', 'tbyte', 'terabyte'], factor: 2 ** 40 },
            { name: 'PB', aliases: ['pb', 'pbyte', 'petabyte'], factor: 2 ** 50 },
        ],
        defaultUnit: B,
    },
    {
        units: [
            { name: 'ns', aliases: ['ns', 'nanosecond'], factor: 1 },
            { name: 'us', aliases: ['μs', 'us', 'microsecond'], factor: 1e3 },
            { name: 'ms', aliases: ['ms', 'millisecond'], factor: 1e6 },
            { name: 's', aliases: ['s', 'sec', 'second'], factor: 1e9 },
            { name: 'hrs', aliases: ['hour', 'hr'], factor: 3600e9 },
        ],
        defaultUnit: S,
    },
];
function sniff(ut, unit) {
    let u = unit.toLowerCase();
    if (u.length > 2 && u.endsWith('s'))
        u = u.slice(0, -1);
    return ut.units.find((x) => x.aliases.includes(u));
}
/** measurement.Scale: value in `from` expressed in `to` ("minimum"/"auto" pick a readable unit). */
function scale(value, from, to) {
    if (value < 0) {
        const [v, u] = scale(-value, from, to);
        return [-v, u];
    }
    for (const ut of UNIT_TYPES) {
        const fromUnit = sniff(ut, from);
        if (!fromUnit)
            continue;
        const v = value * fromUnit.factor;
        if (to === 'minimum' || to === 'auto') {
            let best;
            for (const u of ut.units)
                if ((!best || u.factor >= best.factor) && v / u.factor >= 1)
                    best = u;
            if (best)
                return [v / best.factor, best.name];
            return [v / ut.defaultUnit.factor, ut.defaultUnit.name];
        }
        const toUnit = sniff(ut, to) ?? ut.defaultUnit;
        return [v / toUnit.factor, toUnit.name];
    }
    return ['count', 'sample', 'unit', 'minimum', 'auto'].includes(to) ? [value, ''] : [value, to];
}
/** measurement.ScaledLabel: "1.50MB", "-32kB", "0". */
function scaledLabel(value, from, to) {
    const [v, u] = scale(value, from, to);
    const s = formatFixed(v, 2).replace(/\.00$/, '');
    if (s === '0' || s === '-0')
        return '0';
    return s + u;
}
/**
 * The unit pprof's -top picks for a whole table (report.selectOutputUnit): that
 * of the smallest non-zero value, unless it is more than 100 times smaller than
 * the total, in which case the unit that shows it as 0.01 or more.
 */
function selectOutputUnit(rows, total, sampleUnit) {
    let min = 0;
    for (const r of rows) {
        let v = Math.abs(r.flat);
        if (v === 0)
            v = Math.abs(r.cum);
        if (v > 0 && (min === 0 || v < min))
            min = v;
    }
    const max = total;
    if (min === 0)
        min = max;
    const minUnit = scale(min, sampleUnit, 'minimum')[1];
    const maxUnit = scale(max, sampleUnit, 'minimum')[1];
    let unit = minUnit;
    if (minUnit !== maxUnit && min * 100 < max)
        unit = scale(100 * min, sampleUnit, 'minimum')[1];
    return unit || sampleUnit;
}
/** measurement.Percentage: "  100%", "12.34%", "0.039%". */
function percentage(value, total) {
    const ratio = total !== 0 ? Math.abs(value / total) * 100 : 0;
    if (ratio >= 99.95 && ratio <= 100.05)
        return '  100%';
    if (ratio >= 1)
        return `${formatFixed(ratio, 2).padStart(5)}%`;
    return `${formatG2(ratio).padStart(5)}%`;
}
/**
 * Go's %.Nf: rounds the exact binary value, ties to even. JavaScript's toFixed
 * rounds exact ties up (1.125 → "1.13", Go prints "1.12"), and such ties are
 * common here: kB values are multiples of 1/1024.
 */
function formatFixed(x, decimals) {
    const s = x.toFixed(decimals);
    const tie = exactTie(Math.abs(x), decimals);
    if (tie === undefined)
        return s;
    const digits = tie.toString().padStart(decimals + 1, '0');
    const body = decimals > 0 ? `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}` : digits;
    return x < 0 ? `-${body}` : body;
}
/**
 * When x lies exactly halfway between two numbers of `decimals` decimals, the
 * even one scaled by 10^decimals; else undefined. An exact tie needs
 * x·2^(decimals+1) to be an integer, which is exactly computable.
 */
function exactTie(x, decimals) {
    const p = 2 ** (decimals + 1);
    const y = x * p;
    if (!Number.isInteger(y) || !Number.isSafeInteger(y))
        return undefined;
    const n = BigInt(y) * 5n ** BigInt(decimals + 1); // x · 10^(decimals+1), exactly
    if (n % 10n !== 5n)
        return undefined;
    const q = n / 10n;
    return q % 2n === 0n ? q : q + 1n;
}
/** Go's %.2g for 0 <= x < 1 (and beyond): two significant digits, no trailing zeros. */
function formatG2(x) {
    if (x === 0)
        return '0';
    let exp = Math.floor(Math.log10(Math.abs(x)));
    // Rounding to two significant digits can carry into the next power of ten (0.0996 → 0.1).
    const rounded = Number(formatFixed(x / 10 ** exp, 1));
    if (Math.abs(rounded) >= 10)
        exp++;
    if (exp < -4 || exp >= 2) {
        const m = formatFixed(x / 10 ** exp, 1).replace(/\.0$/, '');
        const e = Math.abs(exp).toString().padStart(2, '0');
        return `${m}e${exp < 0 ? '-' : '+'}${e}`;
    }
    const s = formatFixed(x, Math.max(0, 1 - exp));
    return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

/**
 * A text table laid out like `go tool pprof -top`: rows are expected sorted
 * (aggregateByFunction and diffProfiles sort them as pprof does).
 */
function formatTop(rows, sampleUnit, opts = {}) {
    const total = opts.total ?? rows.reduce((n, r) => n + Math.abs(r.flat), 0);
    const fraction = opts.nodeFraction ?? 0.005;
    const lines = [...(opts.labels ?? [])];
    // pprof's node cutoff is relative to the net flat sum of all nodes, its
    // "Dropped" label to the report total; both truncate toward zero like int64().
    const netFlat = rows.reduce((n, r) => n + r.flat, 0);
    const cutoff = Math.abs(Math.trunc(netFlat * fraction));
    let shown = cutoff > 0 ? rows.filter((r) => Math.abs(r.cum) >= cutoff) : [...rows];
    const dropped = rows.length - shown.length;
    const afterCutoff = shown.length;
    if (opts.limit !== undefined && opts.limit > 0 && shown.length > opts.limit)
        shown = shown.slice(0, opts.limit);
    // pprof rebuilds its graph from the kept nodes only when it dropped some.
    const trimmed = shown.length < rows.length;
    const marks = opts.inlineMarks?.(trimmed ? new Set(shown.map((r) => r.name)) : undefined, opts.edgeFraction);
    const unit = selectOutputUnit(shown, total, sampleUnit);
    const fmt = (v) => scaledLabel(v, sampleUnit, unit);
    const shownFlat = shown.reduce((n, r) => n + r.flat, 0);
    lines.push(`Showing nodes accounting for ${fmt(shownFlat)}, ${percentage(shownFlat, total).trim()} of ${fmt(total)} total`);
    if (total !== 0) {
        if (dropped > 0) {
            const plural = dropped > 1 ? 's' : '';
            lines.push(`Dropped ${dropped} node${plural} (cum <= ${fmt(Math.abs(Math.trunc(total * fraction)))})`);
        }
        if (shown.length < afterCutoff)
            lines.push(`Showing top ${shown.length} nodes out of ${afterCutoff}`);
    }
    lines.push(`${'flat'.padStart(10)} ${'flat'.padStart(5)}% ${'sum'.padStart(5)}% ${'cum'.padStart(10)} ${'cum'.padStart(5)}%`);
    let sum = 0;
    for (const r of shown) {
        sum += r.flat;
        const mark = marks ? marks.get(r.name) : r.inline;
        const inl = mark ? ` (${mark})` : '';
        lines.push(`${fmt(r.flat).padStart(10)} ${percentage(r.flat, total)} ${percentage(sum, total)} ` +
            `${fmt(r.cum).padStart(10)} ${percentage(r.cum, total)}  ${r.name}${inl}`);
    }
    return lines.join('\n') + '\n';
}

/**
 * head − base per function, as `go tool pprof -top -diff_base base head`
 * computes it: base's samples count negatively, functions whose flat and cum
 * both cancel out are dropped.
 */
function diffProfiles(base, head, sampleType, opts = {}) {
    const bi = valueIndex(base, sampleType);
    const hi = valueIndex(head, sampleType);
    const unitOf = (p, i) => p.sampleTypes[i].unit;
    if (unitOf(base, bi) !== unitOf(head, hi)) {
        throw new ProfileError(`cannot diff ${sampleType}: base is in ${unitOf(base, bi)}, head in ${unitOf(head, hi)}`);
    }
    const acc = new FunctionAccumulator(opts);
    acc.add(head, sampleType, 1);
    acc.add(base, sampleType, -1);
    const baseTotal = absTotal(base, bi);
    const headTotal = absTotal(head, hi);
    return {
        sampleType: head.sampleTypes[hi],
        total: baseTotal > 0 ? baseTotal : baseTotal + headTotal,
        baseTotal,
        headTotal,
        rows: acc.rows(opts),
        inlineMarks: (kept, edgeFraction) => acc.inlineMarks(kept, edgeFraction),
    };
}
/** What `memleak diff BASE HEAD` prints: decode both, diff, and lay out a pprof -top table. */
function diffFiles(baseBytes, headBytes, opts = {}) {
    const [baseName, headName] = opts.names ?? ['base', 'head'];
    const decode = (bytes, name) => {
        try {
            return decodeProfile(bytes, opts);
        }
        catch (err) {
            if (err instanceof ProfileError)
                throw new ProfileError(`${name}: ${err.message}`, { cause: err });
            throw err;
        }
    };
    const base = decode(baseBytes, baseName);
    const head = decode(headBytes, headName);
    const sampleType = opts.sampleType ??
        // A heap profile on either side makes this a heap diff: the other file, if it is
        // not one, is then the one named as wrong.
        (hasSampleType(base, 'inuse_space') || hasSampleType(head, 'inuse_space')
            ? 'inuse_space'
            : defaultSampleType(head));
    // Name the file that lacks the sample type (a CPU profile given where a heap profile belongs, say).
    for (const [profile, name] of [
        [base, baseName],
        [head, headName],
    ]) {
        if (!hasSampleType(profile, sampleType)) {
            try {
                valueIndex(profile, sampleType);
            }
            catch (err) {
                throw new ProfileError(`${name}: ${err.message}`, { cause: err });
            }
        }
    }
    const table = diffProfiles(base, head, sampleType);
    return formatTop(table.rows, table.sampleType.unit, {
        total: table.total,
        inlineMarks: table.inlineMarks,
        limit: opts.limit,
        nodeFraction: opts.nodeFraction,
        labels: [`Type: ${sampleType}`, `Base: ${baseName}`, `Head: ${headName}`],
    });
}

// The CLI's options and their help, from one table: the action's inputs (their
// descriptions are action.yml's, inlined by the build) plus the few flags only
// the CLI has. Unknown flags are caught here, before parseArgs, so the user sees
// one line with the closest real flag instead of parseArgs' paragraph.
/**
 * Inputs that only mean something on GitHub (the CLI prints the report and posts
 * nothing): the two the pipeline reads, and every input of the action's own step.
 */
const GITHUB_ONLY_INPUTS = new Set([
    'comment',
    'comment-id',
    'github-token',
    ...Object.keys(ACTION_INPUT_DEFAULTS),
]);
const HELP = { name: 'help', description: 'Print this help.' };
/** Markdown code spans and emphasis read as noise in a terminal. */
const plain = (text) => text.replace(/`([^`]*)`/g, '$1');
function formatHelp(command, footer) {
    const options = [...command.options, HELP];
    const label = (o) => `--${o.name}${o.value ? ` ${o.value}` : ''}`;
    const width = Math.max(...options.map((o) => label(o).length)) + 2;
    const lines = options.map((o) => {
        const text = plain(o.description) + (o.default ? ` (default ${JSON.stringify(o.default)})` : '');
        return `  ${label(o).padEnd(width)}${text}`.trimEnd();
    });
    return [
        `memleak ${command.name}: ${command.summary}`,
        '',
        `usage: ${command.usage}`,
        '',
        'options:',
        ...lines,
        '',
        footer,
        '',
    ].join('\n');
}
/** Edits between two names (insert, delete, substitute, swap two neighbours), for "did you mean". */
function editDistance(a, b) {
    const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
    for (let i = 1; i <= a.length; i++)
        for (let j = 1; j <= b.length; j++) {
            const cost = a[i - 1] === b[j - 1] ? 0 : 1;
            d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
            if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
                d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
    return d[a.length][b.length];
}
/** The known name a typo most likely meant: a unique prefix, or one within a third of its length in edits. */
function closest(name, known) {
    const prefixed = known.filter((k) => k.startsWith(name));
    if (name.length >= 3 && prefixed.length === 1)
        return prefixed[0];
    let best;
    let bestDistance = Infinity;
    for (const k of known) {
        const d = editDistance(name, k);
        if (d < bestDistance)
            [best, bestDistance] = [k, d];
    }
    return bestDistance <= Math.max(1, Math.floor(name.length / 3)) ? best : undefined;
}
/**
 * Whether the user asked for --help; else throws a one-line UsageError for the
 * first flag the command does not have, naming the closest one.
 */
function scanFlags(command, argv) {
    const known = [...command.options.map((o) => o.name), HELP.name];
    // Typed as the command declares them, so a value (`--args -h`) is not read as a flag.
    const options = Object.fromEntries(command.options.map((o) => [o.name, { type: o.value ? 'string' : 'boolean' }]));
    const { tokens } = parseArgs({
        args: argv,
        options: { ...options, help: { type: 'boolean', short: 'h' } },
        strict: false,
        allowPositionals: true,
        tokens: true,
    });
    if (tokens.some((t) => t.kind === 'option' && t.name === HELP.name))
        return { help: true };
    for (const token of tokens) {
        if (token.kind !== 'option' || known.includes(token.name))
            continue;
        const flag = token.rawName;
        if (GITHUB_ONLY_INPUTS.has(token.name))
            throw new UsageError(`${flag} is an input of the action only: the CLI prints the report and posts nothing`);
        const guess = closest(token.name, known);
        throw new UsageError(`${command.name}: unknown option ${flag}${guess ? `; did you mean --${guess}?` : ''} (memleak ${command.name} --help lists them)`);
    }
    return { help: false };
}

const INPUT_DESCRIPTIONS = {"working-directory":"Go module root, relative to the workspace.","package":"Package to `go build`, relative to `working-directory` (e.g. ./cmd/api).","build-command":"Replaces `go build`. Run by a shell in the side's tree; must write the binary to `$MEMLEAK_BINARY`.","args":"Arguments for the service binary (shell-like words; quotes group; `${PORT}` becomes the port).","env":"`KEY=VALUE` lines for the service (`${PORT}` expands), masked; GITHUB_*, ACTIONS_*, INPUT_*, RUNNER_* refused.","port":"Given to the service as `PORT`; the service is reached at http://127.0.0.1:<port>.","pprof-url":"Where net/http/pprof is served. Default http://127.0.0.1:<port>/debug/pprof.","ready-url":"Polled until it answers 2xx, as is pprof. Default the first request's route (any HTTP answer).","ready-timeout":"How long to wait for `ready-url` to answer 2xx.","requests":"The load: one request a line, `METHOD /path [body]` (e.g. `POST /users {\"name\":\"gopher\"}`).","requests-file":"A request file in the repository (.http, JetBrains / VS Code REST Client format), read from base when there.","headers":"`Name: value` lines sent with every request (auth, tenant); values are masked and may hold placeholders.","rate":"Cap on requests per second for the whole load (e.g. 200); `connections` stays the concurrency. Default no cap.","setup-command":"The workflow's own shell command, run before each side (e.g. reset a database); trusted, not sandboxed.","duration":"The most a side's load is measured (e.g. 60s, 2m); with `stop-early`, a side stops as soon as its answer is known.","warmup":"Load before measuring (caches fill, the runtime settles).","connections":"Concurrent keep-alive connections of the built-in load generator.","snapshots":"With `stop-early: false`: snapshots evenly over the measured load, plus one at the start and one after it.","stop-early":"Stop a side as soon as its answer is known (see docs/inputs.md); `false`: `snapshots` over the whole `duration`.","min-leak":"Smallest leak per request a clean side must be able to see before it stops early (e.g. 32B, 1KiB).","base-ref":"What to compare against (SHA, branch, tag). Default: the PR's base; on a push, head alone is checked for leaks.","fail-on":"Comma-separated, any of `leak`, `new-leak`, `regression`, `no-verdict` (the run could not judge), or `none`.","regression-threshold":"Smallest growth in allocated bytes per request that counts as a regression (e.g. 10%).","memprofilerate":"Bytes per heap profile sample (GODEBUG=memprofilerate). 524288 is Go's own; see docs/how-it-decides.md.","comment":"Post or update the sticky pull request comment.","comment-id":"Identifies the sticky comment, so each service of a matrix keeps its own. Default from the job and package.","timeout":"Deadline for the whole run; when it passes, the run stops cleanly and reports what it has.","trace":"Execution trace of head under load (the end of warmup with `stop-early`), for `go tool trace` (0s: off).","self-check":"Also measure head against itself (A/A): what it flags is the noise at this load and duration.","max-profile-size":"Largest size of one profile once gunzipped (e.g. 256MiB, 1GiB); a larger one fails the run.","memory-limit":"Cgroup memory limit of each side's service (Linux); reaching it is a leak finding. auto: half the RAM; none: off.","mode":"full, analyze (no token: for forks), comment (in a workflow_run) or aggregate (a matrix). See docs/inputs.md.","report-path":"Modes comment and aggregate: a report.json or a directory of them. Empty: the memleak-* artifacts are read.","check-name":"Also create a check run of this name, with annotations on the PR's lines. Needs `checks: write`.","delete-comment-when-clean":"Delete the sticky comment instead of updating it when the PR has no leak and no regression.","comment-author":"Only comments by this login count as the sticky one (e.g. github-actions[bot]). Empty: any author.","upload-artifact":"Upload the profiles, logs and report.json as the artifact `memleak-<comment-id>`, linked from the comment.","review-comments":"Post review comments on the lines that leak, kept in step with each push. Empty is true in modes full and comment.","allow-untrusted-code":"Measure on pull_request_target, workflow_run or issue_comment, which hold secrets and a write token (docs/security.md).","github-token":"Token for the comment, the check run and (modes comment and aggregate) the artifacts. Unused by analyze."};

// `memleak`: the action's pipeline for a terminal, so a result can be reproduced on a laptop.
//   memleak run [--input-name value ...]   the whole job; prints the Markdown report (run --help lists them)
//   memleak diff BASE HEAD                 top growing allocators between two heap profiles
const EXIT_STATUS = 'exit status: 0 pass, 1 fail-on matched, 2 bad usage or input, 3 could not measure (build, service or load failed)';
const USAGE = `usage:
  memleak run [options]          build, load and compare; prints the Markdown report
  memleak diff BASE HEAD         top growing allocators between two heap profiles
  memleak --version

memleak run --help and memleak diff --help list the options.
${EXIT_STATUS}`;
/** A value placeholder from the default's shape, so --help shows what to type. */
function placeholder(fallback) {
    if (/^\d+(ms|s|m|h)$/.test(fallback))
        return 'DURATION';
    if (/^(true|false)$/.test(fallback))
        return 'true|false';
    return 'VALUE';
}
const RUN = {
    name: 'run',
    summary: 'build the service at base and head, load both, compare; prints the Markdown report',
    usage: "memleak run [options]   (the action's inputs as flags: same names, same defaults)",
    options: [
        ...Object.entries(INPUT_DEFAULTS)
            .filter(([name]) => !GITHUB_ONLY_INPUTS.has(name))
            .map(([name, fallback]) => ({
            name,
            value: placeholder(fallback),
            description: INPUT_DESCRIPTIONS[name] ?? '',
            default: fallback || undefined,
        })),
        {
            name: 'out',
            value: 'DIR',
            description: 'Where profiles, logs and report.json go.',
            default: '.memleak',
        },
        { name: 'json', description: 'Print the JSON report instead of Markdown.' },
    ],
};
const DIFF = {
    name: 'diff',
    summary: 'top growing allocators between two heap profiles, like go tool pprof -top -diff_base',
    usage: 'memleak diff [options] BASE HEAD',
    options: [
        {
            name: 'sample-type',
            value: 'NAME',
            description: 'inuse_space, inuse_objects, alloc_space or alloc_objects.',
            default: 'inuse_space',
        },
        { name: 'limit', value: 'N', description: 'Rows to print.', default: '20' },
        {
            name: 'max-profile-size',
            value: 'SIZE',
            description: INPUT_DESCRIPTIONS['max-profile-size'],
            default: INPUT_DEFAULTS['max-profile-size'],
        },
    ],
};
const stderrLogger = {
    info: (line) => process.stderr.write(`${line}\n`),
    warn: (line) => process.stderr.write(`warning: ${line}\n`),
    async group(title, fn) {
        process.stderr.write(`== ${title}\n`);
        return fn();
    },
};
async function gitTopLevel(dir) {
    try {
        const r = await runCommand('git', ['rev-parse', '--show-toplevel'], { cwd: dir, timeoutMs: 10_000 });
        return r.code === 0 ? r.output.trim() : dir;
    }
    catch {
        return dir;
    }
}
/** The commit head is, when the checkout has no changes to tracked files; else undefined (the working tree). */
async function cleanHeadSha(dir) {
    try {
        const status = await runCommand('git', ['status', '--porcelain', '--untracked-files=no'], {
            cwd: dir,
            timeoutMs: 10_000,
        });
        if (status.code !== 0 || status.output.trim() !== '')
            return undefined;
        const head = await runCommand('git', ['rev-parse', 'HEAD'], { cwd: dir, timeoutMs: 10_000 });
        const sha = head.output.trim();
        return head.code === 0 && /^[0-9a-f]{40,64}$/.test(sha) ? sha : undefined;
    }
    catch {
        return undefined;
    }
}
/** Prints the command's help and returns true when asked; throws on a flag the command lacks. */
function helped(command, argv) {
    if (!scanFlags(command, argv).help)
        return false;
    process.stdout.write(formatHelp(command, EXIT_STATUS));
    return true;
}
const parseOptions = (command) => Object.fromEntries(command.options.map((o) => [o.name, { type: o.value ? 'string' : 'boolean' }]));
async function commandRun(argv) {
    if (helped(RUN, argv))
        return 0;
    const { values, positionals } = parseArgs({
        args: argv,
        options: parseOptions(RUN),
        strict: true,
        allowPositionals: true,
    });
    if (positionals.length > 0)
        throw new UsageError(`run: unexpected argument ${JSON.stringify(positionals[0])}`);
    const inputs = readInputs((name) => values[name] ?? '');
    const workspace = await gitTopLevel(process.cwd());
    // The deadline and Ctrl-C (or a CI's SIGTERM) stop the run the way they stop the action.
    const control = startRunControl(inputs.timeoutMs);
    try {
        const result = await runPipeline(inputs, {
            workspace,
            baseRef: inputs.baseRef || undefined,
            headSha: await cleanHeadSha(workspace),
            outDir: resolve(String(values.out ?? '.memleak')),
            commentId: inputs.commentId || `cli:${inputs.package}`,
            log: stderrLogger,
            signal: control.signal,
        }).catch((error) => {
            throw control.explain(error);
        });
        process.stdout.write(values.json ? await readFile(result.reportPath, 'utf8') : `${result.markdown}\n`);
        process.stderr.write(`report: ${result.reportPath}\n`);
        // A partial report is written and printed; the run still could not measure: exit 3, saying why.
        if (result.stopped)
            throw result.stopped;
        for (const failure of result.report.failures)
            process.stderr.write(`fail: ${failure}\n`);
        return result.report.failures.length > 0 ? 1 : 0;
    }
    finally {
        control.dispose();
    }
}
const READ_ERRORS = {
    ENOENT: 'no such file',
    EISDIR: 'is a directory',
    EACCES: 'permission denied',
};
async function commandDiff(argv) {
    if (helped(DIFF, argv))
        return 0;
    const { values, positionals } = parseArgs({
        args: argv,
        options: parseOptions(DIFF),
        strict: true,
        allowPositionals: true,
    });
    if (positionals.length !== 2)
        throw new UsageError('diff: expected two profile files, memleak diff BASE HEAD');
    const text = (name) => typeof values[name] === 'string' ? values[name] : undefined;
    const limit = values.limit === undefined ? 20 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1)
        throw new UsageError(`--limit: expected a whole number above 0, got ${JSON.stringify(values.limit)}`);
    const maxDecompressedBytes = parseSize('max-profile-size', text('max-profile-size') ?? INPUT_DEFAULTS['max-profile-size'], 1024, 4 * 1024 ** 3);
    const read = async (path) => {
        try {
            return await readFile(path);
        }
        catch (error) {
            const code = error.code ?? '';
            const why = READ_ERRORS[code] ?? error.message;
            throw new UsageError(`${path}: cannot read the profile: ${why}`);
        }
    };
    const [base, head] = await Promise.all(positionals.map(read));
    process.stdout.write(diffFiles(base, head, {
        sampleType: text('sample-type'),
        limit,
        maxDecompressedBytes,
        names: positionals,
    }));
    return 0;
}
async function main(argv) {
    const [command, ...rest] = argv;
    try {
        if (command === 'run')
            return await commandRun(rest);
        if (command === 'diff')
            return await commandDiff(rest);
        if (command === '--version' || command === 'version') {
            process.stdout.write(`memleak ${VERSION}\n`);
            return 0;
        }
        if (command === '--help' || command === '-h' || command === 'help') {
            process.stdout.write(`${USAGE}\n`);
            return 0;
        }
        // No command is a usage error: the usage goes to stderr, so a script's stdout stays clean.
        if (command === undefined) {
            process.stderr.write(`${USAGE}\n`);
            return 2;
        }
        throw new UsageError(`unknown command ${JSON.stringify(command)}; expected run or diff (memleak --help)`);
    }
    catch (error) {
        // One line, no stack trace: what is wrong and where.
        process.stderr.write(`memleak: ${oneLine(error)}\n`);
        return isUsage(error) ? 2 : 3;
    }
}
function isUsage(error) {
    // Bad flags, bad inputs and unreadable profiles are the user's to fix: exit 2.
    const { name, code } = (error ?? {});
    return (error instanceof UsageError ||
        name === 'ProfileError' ||
        name === 'SnapshotError' ||
        String(code ?? '').startsWith('ERR_PARSE_ARGS'));
}
process.exitCode = await main(process.argv.slice(2));

export { main };
