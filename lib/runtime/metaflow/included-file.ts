import { pythonJsonDumps } from './python-format';

/** Where an included file lies and how the task decodes it. */
export interface IncludedFileLocation {
  /** `s3://bucket/key` of the gzip'd file. */
  readonly url: string;
  readonly isText: boolean;
  readonly encoding: string;
  /** Size of the file before gzip, in bytes. */
  readonly size: number;
}

/**
 * Metaflow's descriptor of an uploaded `IncludeFile` (`UploaderV2` of `includefile.py`), in `json.dumps`' form: the
 * value `step-functions create` gives the parameter once it has uploaded the file, which the task's Metaflow reads
 * (gunzips, decodes) into the artifact.
 */
export function includedFileDescriptor(location: IncludedFileLocation): string {
  return pythonJsonDumps({
    note: 'Internal representation of IncludeFile',
    type: 'uploader-v2',
    'sub-type': 'uploaded',
    url: location.url,
    is_text: location.isText,
    encoding: location.encoding,
    size: location.size,
  });
}

/** Whether a parameter value is Metaflow's descriptor of an uploaded `IncludeFile` (a JSON object of `uploader-v*`). */
export function isIncludedFileDescriptor(value: unknown): boolean {
  if (typeof value !== 'string' || !value.trimStart().startsWith('{')) return false;
  try {
    const parsed = JSON.parse(value) as { type?: unknown; url?: unknown };
    return typeof parsed.type === 'string' && /^uploader-v\d+$/.test(parsed.type) && typeof parsed.url === 'string';
  } catch {
    return false;
  }
}
