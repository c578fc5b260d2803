// A real OpenID provider for the tests (the `oidc-provider` package from the npm
// registry), started once per test run by scripts/test. Development interactions: the
// login form takes any account id and no password, so tests choose who signs in:
//   alice@example.org             -> e-mail alice@example.org, verified
//   unverified:alice@example.org  -> the same address, not verified
//   noemail:alice                 -> no e-mail claim at all
//   other:alice@example.org       -> the same verified address, another person (subject)
// The subject is "sub-" + the account id, so two ids are two people.
// Usage: node provider.mjs PORT
import Provider from 'oidc-provider';

const port = Number(process.argv[2]);
const issuer = `http://127.0.0.1:${port}`;

function claimsOf(id) {
  const claims = { sub: `sub-${id}` };
  if (id.startsWith('noemail:')) return claims;
  if (id.startsWith('other:')) {
    return { ...claims, email: id.slice('other:'.length), email_verified: true };
  }
  if (id.startsWith('unverified:')) {
    return { ...claims, email: id.slice('unverified:'.length), email_verified: false };
  }
  return { ...claims, email: id, email_verified: true };
}

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'embargo-test',
    client_secret: 'embargo-test-client-secret-0123456789',
    redirect_uris: ['http://embargo.test/login/oidc/local/callback'],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  cookies: { keys: ['embargo-test-only-cookie-key'] },
  pkce: { required: () => true },
  async findAccount(ctx, id) {
    return { accountId: id, async claims() { return claimsOf(id); } };
  },
});

provider.listen(port, '127.0.0.1', () => {
  console.log(`oidc-provider listening on ${issuer}`);
});
