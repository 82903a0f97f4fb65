// The run's profiles, logs and JSON report as a workflow artifact, linked from
// the comment. The uploader is a parameter with @actions/artifact's shape, so
// this file needs no dependency and tests pass a fake or a local one.
import { relative, sep } from 'node:path'

/** The part of @actions/artifact's DefaultArtifactClient used here. */
export interface ArtifactUploader {
  uploadArtifact(
    name: string,
    files: string[],
    rootDirectory: string,
    options?: { retentionDays?: number; compressionLevel?: number },
  ): Promise<{ id?: number; size?: number; digest?: string }>
}

export interface UploadInput {
  /** Artifact name before sanitising (e.g. memleak-<comment id>). */
  name: string
  /** Absolute paths, all under rootDirectory. */
  files: string[]
  rootDirectory: string
  retentionDays?: number
  /** For the link: GITHUB_SERVER_URL, GITHUB_REPOSITORY, GITHUB_RUN_ID. */
  serverUrl?: string
  repository?: string
  runId?: string
}

export interface UploadResult {
  name: string
  id?: number
  size?: number
  /** The artifact's page, when the run is known. */
  url?: string
}

/** Artifact names may not hold " : < > | * ? \ / or line breaks (the upload API refuses them). */
export function artifactName(name: string): string {
  const clean = name
    .replace(/[":<>|*?\\/\r\n]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[-.\s]+|[-.\s]+$/g, '')
    .slice(0, 200)
  return clean || 'memleak'
}

export async function uploadArtifact(uploader: ArtifactUploader, input: UploadInput): Promise<UploadResult> {
  const outside = input.files.filter((f) => {
    const rel = relative(input.rootDirectory, f)
    return rel === '' || rel.startsWith(`..${sep}`) || rel === '..'
  })
  if (outside.length) throw new Error(`artifact: ${outside[0]} is not under ${input.rootDirectory}`)
  const name = artifactName(input.name)
  const res = await uploader.uploadArtifact(name, input.files, input.rootDirectory, {
    retentionDays: input.retentionDays,
  })
  const url =
    res.id !== undefined && input.serverUrl && input.repository && input.runId
      ? `${input.serverUrl.replace(/\/+$/, '')}/${input.repository}/actions/runs/${input.runId}/artifacts/${res.id}`
      : undefined
  return { name, id: res.id, size: res.size, url }
}
