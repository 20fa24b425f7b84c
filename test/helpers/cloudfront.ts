/**
 * A real CloudFront distribution on moto_server, for the tests that invalidate:
 * a client for assertions and the id of a distribution created in front of `bucket`.
 */
import { CloudFrontClient, CreateDistributionCommand } from '@aws-sdk/client-cloudfront'

export interface TestDistribution {
  cf: CloudFrontClient
  distributionId: string
}

export async function createTestDistribution(endpoint: string, bucket: string, label: string): Promise<TestDistribution> {
  const cf = new CloudFrontClient({ region: 'us-east-1', endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } })
  // https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CreateDistribution.html
  const out = await cf.send(
    new CreateDistributionCommand({
      DistributionConfig: {
        CallerReference: `${label}-${Date.now()}`,
        Comment: `vite-plugin-cdn-deploy ${label}`,
        Enabled: true,
        Origins: { Quantity: 1, Items: [{ Id: 'bucket', DomainName: `${bucket}.s3.amazonaws.com`, S3OriginConfig: { OriginAccessIdentity: '' } }] },
        DefaultCacheBehavior: {
          TargetOriginId: 'bucket',
          ViewerProtocolPolicy: 'redirect-to-https',
          MinTTL: 0,
          ForwardedValues: { QueryString: false, Cookies: { Forward: 'none' } },
          TrustedSigners: { Enabled: false, Quantity: 0 },
        },
      },
    }),
  )
  return { cf, distributionId: out.Distribution!.Id! }
}
