import { RemovalPolicy } from 'aws-cdk-lib';
import { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { Key, KeySpec, KeyUsage } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/** The environment variable shared/aws/kms-portal-signer.ts reads (config's PORTAL_SIGNING_KEY_ID). */
const ENV = 'PORTAL_SIGNING_KEY_ID';

/**
 * The key that signs portal links (shared/billing/portal-token.ts): a KMS HMAC_256 key, so the secret
 * never leaves KMS. Least privilege by use: the function that makes links may only GenerateMac, the
 * authorizer may only VerifyMac; nothing else may use it.
 */
export class PortalSigning extends Construct {
  readonly key: Key;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.key = new Key(this, 'PortalSigningKey', {
      description: 'Signs portal links (HMAC): the session route generates MACs, the API authorizer verifies them',
      keySpec: KeySpec.HMAC_256,
      keyUsage: KeyUsage.GENERATE_VERIFY_MAC,
      // Links live an hour: a key lost with the stack only ends the links of that hour.
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }

  /** `fn` makes links (kms:GenerateMac). */
  grantSign(fn: LambdaFunction): void {
    this.bind(fn, 'kms:GenerateMac');
  }

  /** `fn` checks links (kms:VerifyMac). */
  grantVerify(fn: LambdaFunction): void {
    this.bind(fn, 'kms:VerifyMac');
  }

  private bind(fn: LambdaFunction, action: string): void {
    this.key.grant(fn, action);
    fn.addEnvironment(ENV, this.key.keyArn);
  }
}
