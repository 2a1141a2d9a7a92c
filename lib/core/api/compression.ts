/**
 * Response compression, the same in the deployed API and local mode: API Gateway gzips an answer of at least
 * {@link API_MIN_COMPRESSION_BYTES} when the caller accepts gzip (the REST API's `minimumCompressionSize`), and local
 * mode's HTTP server does what API Gateway does, so a client that mishandles compressed answers fails locally too.
 * The threshold leaves small answers alone (compressing them costs more than it saves) and catches the large ones:
 * a 200-step workflow's graph is about 180 KB of JSON and well under a tenth of that gzipped.
 */

/** Smallest answer, in bytes, that is compressed. */
export const API_MIN_COMPRESSION_BYTES = 8 * 1024;

/** Whether an answer of `bytes` is gzipped for a caller that sent `acceptEncoding`. */
export function gzipApplies(acceptEncoding: string | undefined, bytes: number): boolean {
  if (bytes < API_MIN_COMPRESSION_BYTES || !acceptEncoding) return false;
  return acceptEncoding.split(',').some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return (coding === 'gzip' || coding === '*') && (q === undefined || Number(q.slice(2)) > 0);
  });
}
