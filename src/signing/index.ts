/**
 * `vite-plugin-cdn-deploy/signing` (Node only): links to private files, valid for a
 * limited time — CloudFront signed URLs (canned policy) and S3 presigned URLs.
 */
export { signCloudFrontUrl, cannedPolicy, cloudFrontBase64, type CloudFrontSignOptions } from './cloudfront.js'
export { presignS3Url, MAX_PRESIGN_SECONDS, type PresignS3Options } from './s3.js'
export { CdnDeployError } from '../errors.js'
