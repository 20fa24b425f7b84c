/** Types for embedded-s3.mjs (plain JS so `npm run demo` needs no compile step for it). */
export declare const EMBEDDED_CREDENTIALS: Readonly<{ accessKeyId: string; secretAccessKey: string }>
export declare function patchDesForS3rver(): void
export interface EmbeddedS3 {
  endpoint: string
  port: number
  directory: string
  stop(options?: { keepDirectory?: boolean }): Promise<void>
}
export declare function startEmbeddedS3(options?: {
  buckets?: string[]
  port?: number
  directory?: string
  extraKeys?: Array<[string, string]>
}): Promise<EmbeddedS3>
