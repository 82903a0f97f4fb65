// Reports measured by another job (the `analyze` mode's artifact), found on disk
// and validated. They are untrusted input: on a fork's PR the measuring job ran
// the PR's code, which could have written anything into its artifact.
import { lstat, readdir, readFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { parseReport } from '../report/json.js'
import type { Report } from '../model/report.js'

export const REPORT_FILE = 'report.json'
/** More than any matrix a PR needs; a directory holding more is not what we were given. */
const MAX_REPORTS = 50
/** actions/download-artifact nests one directory per artifact; the pipeline one per run. */
const MAX_DEPTH = 4
/** A real report is well under 1 MiB. */
const MAX_REPORT_BYTES = 32 * 1024 * 1024

export interface LoadedReport {
  path: string
  report: Report
}

/** report.json files at `path` (a file, or a directory searched a few levels deep), sorted. */
export async function findReportFiles(path: string): Promise<string[]> {
  const info = await lstat(path).catch(() => undefined)
  if (!info) throw new Error(`report-path: ${path} does not exist (did the download step run?)`)
  if (info.isFile()) return [path]
  if (!info.isDirectory()) throw new Error(`report-path: ${path} is neither a file nor a directory`)
  const found: string[] = []
  const walk = async (dir: string, depth: number): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true })
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    for (const entry of entries) {
      // Links are skipped: an artifact has none, and one could point anywhere on the runner.
      if (entry.isFile() && entry.name === REPORT_FILE) found.push(join(dir, entry.name))
      else if (entry.isDirectory() && depth < MAX_DEPTH) await walk(join(dir, entry.name), depth + 1)
      if (found.length > MAX_REPORTS)
        throw new Error(`report-path: more than ${MAX_REPORTS} ${REPORT_FILE} files under ${path}`)
    }
  }
  await walk(path, 0)
  if (found.length === 0) {
    throw new Error(
      `report-path: no ${REPORT_FILE} under ${path}; the measuring job uploads its artifact-dir output, which holds one`,
    )
  }
  return found
}

/** Reads and validates every report; the error names the file and the offending field. */
export async function readReports(path: string): Promise<LoadedReport[]> {
  const files = await findReportFiles(path)
  const out: LoadedReport[] = []
  for (const file of files) {
    const name = relative(path, file) || file
    const size = (await lstat(file)).size
    if (size > MAX_REPORT_BYTES)
      throw new Error(`report ${name}: ${size} bytes, larger than any real report; refused`)
    try {
      out.push({ path: file, report: parseReport(await readFile(file, 'utf8')) })
    } catch (error) {
      throw new Error(
        `report ${name} rejected: ${error instanceof Error ? error.message : String(error)} ` +
          "(it comes from the measuring run's artifact, which is not trusted)",
      )
    }
  }
  return out
}
