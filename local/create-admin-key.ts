/**
 * `npm run admin-key`: the first admin key of a deployed stack, which has none. Writes the key's
 * SHA-256 into the deployed Projects table with the operator's AWS credentials and prints the key once.
 * Usage: PROJECTS_TABLE=<the stack's ProjectsTableName output> npm run admin-key [-- <key>]
 */
import { generateApiKey } from '../shared/billing/api-keys';
import { registerAdminKey } from './admin-key';

async function main(): Promise<void> {
  if (!process.env.PROJECTS_TABLE) {
    console.error('set PROJECTS_TABLE to the ProjectsTableName output of the deployed stack');
    process.exit(2);
  }
  const apiKey = process.argv[2] ?? generateApiKey();
  const { apiKeyId } = await registerAdminKey(apiKey);
  console.log(`admin key ${apiKey} (id ${apiKeyId}); it is shown only now`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
