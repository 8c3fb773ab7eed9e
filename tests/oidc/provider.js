// A loopback OpenID Connect provider for the sign-in tests (tests/oidc_fixture.py starts it).
// TEST ONLY: any password is accepted (oidc-provider's development login form), keys are generated
// per run, and it speaks plain http on 127.0.0.1. Never point a deployment at it.
//
// usage: node provider.js <port> <app redirect_uri> <client_secret>
// Prints "ready <issuer>" on stdout once it listens.

import { Provider } from 'oidc-provider';

const [port, redirectUri, clientSecret] = process.argv.slice(2);
if (!port || !redirectUri || !clientSecret) {
  console.error('usage: node provider.js <port> <redirect_uri> <client_secret>');
  process.exit(2);
}
const issuer = `http://127.0.0.1:${port}`;

// One account per role in data/access.toml (matched there by email or sub), plus one unknown identity.
const ACCOUNTS = {
  'demo-leader': { email: 'leader@example.gov.cn', name: '省领导 Leader' },
  'demo-zhuji-inspector': { email: 'zhuji.inspector@example.gov.cn', name: '诸暨督查 Zhuji inspector' },
  'demo-shaoxing-inspector': { email: 'shaoxing.inspector@example.gov.cn', name: '绍兴督查 Shaoxing inspector' },
  'demo-staff': { email: 'staff@example.gov.cn', name: '数据专员 Staff' },
  'demo-admin': { email: 'admin@example.gov.cn', name: '管理员 Admin' },
  'demo-stranger': { email: 'stranger@example.org', name: '陌生人 Stranger' },
};
const CLIENT_ID = 'burden-dashboard';
const SCOPES = 'openid email profile';

const provider = new Provider(issuer, {
  clients: [{
    client_id: CLIENT_ID,
    client_secret: clientSecret,
    redirect_uris: [redirectUri],
    // Streamlit sends the user back to /oauth2callback after the provider's sign-out page.
    post_logout_redirect_uris: [redirectUri],
    grant_types: ['authorization_code'],
    response_types: ['code'],
  }],
  // The login form's text is the account id; an id not listed above cannot sign in.
  async findAccount(ctx, sub) {
    const account = ACCOUNTS[sub];
    if (!account) return undefined;
    return {
      accountId: sub,
      async claims() {
        return { sub, email: account.email, email_verified: true, name: account.name };
      },
    };
  },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  // Streamlit reads the user from the ID token alone (st.user), so it must carry the scope's claims.
  conformIdTokenClaims: false,
  // First-party client: no consent screen, the grant covers the scopes Streamlit asks for.
  async loadExistingGrant(ctx) {
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope(SCOPES);
    await grant.save();
    return grant;
  },
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: {
      enabled: true,
      // The default page loads a web font from the internet; this one is self-contained.
      async logoutSource(ctx, form) {
        ctx.body = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>Sign out</title></head><body>
          <h1>Sign out of the test provider?</h1>${form}
          <button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>
          </body></html>`;
      },
    },
  },
  cookies: { keys: [`test-only-${process.pid}-${Date.now()}`] },
  ttl: { Session: 3600, Interaction: 600, Grant: 3600, IdToken: 3600, AccessToken: 3600, AuthorizationCode: 60 },
});
provider.proxy = false;

const server = provider.listen(Number(port), '127.0.0.1', () => {
  console.log(`ready ${issuer}`);
});
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
