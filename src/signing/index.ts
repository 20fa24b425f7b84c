/**
 * `vite-plugin-cdn-deploy/signing` (Node only): links to private files, valid for a
 * limited time — CloudFront signed URLs and cookies (through @aws-sdk/cloudfront-signer)
 * and S3 presigned URLs (through @aws-sdk/s3-request-presigner, an optional peer
 * dependency imported on first use).
 */
export { signCloudFrontCookies, signCloudFrontUrl, cannedPolicy, cloudFrontBase64, type CloudFrontCookies, type CloudFrontSignOptions } from './cloudfront.js'
export { presignS3Url, MAX_PRESIGN_SECONDS, type PresignS3Options } from './s3.js'
export { CdnDeployError } from '../errors.js'
