// A real OpenID provider for breachd's sign-in tests: oidc-provider (an
// OpenID-certified implementation) on loopback, with one client and a few
// test people. Started by tests/oidc.rs; prints "ready <issuer>" once it
// listens. Configuration comes from the environment:
//   PORT           the port to listen on (127.0.0.1)
//   CLIENT_ID      the client breachd is
//   CLIENT_SECRET  its secret
//   REDIRECT_URIS  breachd's callback URLs, comma-separated
// The development login form accepts any password; the login names the
// person (see PEOPLE).
import Provider from 'oidc-provider';

const PEOPLE = {
  // An administrator by group.
  pat: { email: 'pat@district.example', email_verified: true, name: 'Pat Doe', groups: ['breachd-admins'] },
  // A viewer by email.
  lee: { email: 'lee@district.example', email_verified: true, name: 'Lee Roe', groups: [] },
  // Someone the district gave no role.
  sam: { email: 'sam@elsewhere.example', email_verified: true, name: 'Sam Poe', groups: [] },
  // An address the provider has not verified: no role by email.
  una: { email: 'lee@district.example', email_verified: false, name: 'Una Verified', groups: [] },
};

const port = Number(process.env.PORT);
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: process.env.CLIENT_ID,
    client_secret: process.env.CLIENT_SECRET,
    redirect_uris: process.env.REDIRECT_URIS.split(','),
    response_types: ['code'],
    grant_types: ['authorization_code'],
  }],
  cookies: { keys: ['breachd-test-only'] },
  claims: {
    openid: ['sub', 'groups'],
    email: ['email', 'email_verified'],
    profile: ['name'],
  },
  // Claims in the ID token itself, where breachd reads them.
  conformIdTokenClaims: false,
  // breachd is a first-party client: no consent screen.
  async loadExistingGrant(ctx) {
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid email profile');
    grant.addOIDCClaims(['groups']);
    await grant.save();
    return grant;
  },
  async findAccount(ctx, id) {
    const person = PEOPLE[id];
    if (!person) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...person }; } };
  },
});

provider.listen(port, '127.0.0.1', () => {
  console.log(`ready ${issuer}`);
});
