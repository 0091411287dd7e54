// Tessera console: a thin page over the admin API (/api/admin/...). Every value shown comes from an
// admin API call and every change is one; nothing is kept here but the signed-in credential, in this
// module's memory only (never storage, never a cookie): no ambient credential, so no CSRF surface.
// DOM is built with textContent only (the CSP requires Trusted Types for any HTML sink).

const IDLE_SIGN_OUT_MS = 15 * 60 * 1000;
const PAGES = ['servers', 'clients', 'users', 'keys', 'audit'];

const $ = (selector, root = document) => root.querySelector(selector);
const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));

const state = { auth: null, username: '', tenants: [], tenant: 'default', servers: [], auditBefore: null, idleTimer: 0, certificate: null };

class ApiError extends Error {}

// ---- admin API -------------------------------------------------------------------------------------

function basicCredential(username, password) {
  const bytes = new TextEncoder().encode(`${username}:${password}`);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return `Basic ${btoa(binary)}`;
}

async function api(method, path, body, auth = state.auth) {
  const headers = { Accept: 'application/json', Authorization: auth };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  // credentials 'omit': no cookies, and no browser Basic prompt on a 401.
  const res = await fetch(path, { method, headers, credentials: 'omit', cache: 'no-store', body: body === undefined ? undefined : JSON.stringify(body) });
  const data = res.status === 204 ? null : await res.json().catch(() => null);
  if (res.status === 401 && auth === state.auth && state.auth) {
    signOut('Your credentials were refused: sign in again.');
  }
  if (!res.ok) throw new ApiError(data?.error_description || data?.error || `HTTP ${res.status}`);
  resetIdleTimer();
  return data;
}

const tenantPath = (rest) => `/api/admin/${encodeURIComponent(state.tenant)}/${rest}`;
const serverQuery = (serverId) => (serverId ? `?authorization_server_id=${encodeURIComponent(serverId)}` : '');

// ---- small DOM helpers -----------------------------------------------------------------------------

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

function cell(value, cls) {
  return el('td', cls ? { class: cls } : {}, value instanceof Node ? value : String(value ?? ''));
}

function fillTable(table, rows, emptyText) {
  const body = $('tbody', table);
  body.replaceChildren();
  if (rows.length === 0) {
    const columns = $$('thead th', table).length;
    body.append(el('tr', {}, el('td', { colspan: String(columns), class: 'muted' }, emptyText)));
    return;
  }
  for (const row of rows) body.append(row);
}

function showError(target, message) {
  target.textContent = message;
  target.hidden = !message;
}

function announce(message) {
  const status = $('#status');
  status.textContent = message;
}

/** Runs `work`, showing its failure in `errorTarget` (a role=alert paragraph). */
async function guarded(errorTarget, work) {
  showError(errorTarget, '');
  try {
    await work();
  } catch (err) {
    showError(errorTarget, err instanceof ApiError ? err.message : `Unexpected error: ${err.message}`);
  }
}

function fillServerSelect(select, { all } = {}) {
  const previous = select.value;
  select.replaceChildren();
  if (all) select.append(el('option', { value: '' }, all));
  for (const server of state.servers) select.append(el('option', { value: server.id }, `${server.id} — ${server.name}`));
  if ($$('option', select).some((o) => o.value === previous)) select.value = previous;
}

// ---- sign-in ---------------------------------------------------------------------------------------

function resetIdleTimer() {
  clearTimeout(state.idleTimer);
  if (state.auth) state.idleTimer = setTimeout(() => signOut('Signed out after 15 minutes without activity.'), IDLE_SIGN_OUT_MS);
}

async function signIn(event) {
  event.preventDefault();
  const username = $('#signin-username').value.trim();
  const password = $('#signin-password').value;
  const error = $('#signin-error');
  if (!username || !password) return showError(error, 'Enter the super admin username and password.');
  const auth = basicCredential(username, password);
  const button = $('#signin-submit');
  button.disabled = true;
  try {
    const data = await api('GET', '/api/admin/tenants', undefined, auth);
    state.auth = auth;
    state.username = username;
    state.tenants = data.tenants;
    $('#signin-password').value = '';
    showError(error, '');
    $('#signin').hidden = true;
    $('#app').hidden = false;
    $('#whoami').textContent = `Signed in as ${username}`;
    resetIdleTimer();
    renderTenantSelect();
    await selectTenant(state.tenants.some((t) => t.id === 'default') ? 'default' : state.tenants[0]?.id ?? 'default');
    if (!PAGES.includes(location.hash.slice(1))) location.hash = '#servers';
    else await showPage();
  } catch (err) {
    showError(error, `Sign-in failed: ${err.message}`);
  } finally {
    button.disabled = false;
  }
}

function signOut(message = '') {
  state.auth = null;
  state.username = '';
  state.certificate = null;
  clearTimeout(state.idleTimer);
  // Nothing read while signed in stays in the page for the next person at this browser.
  for (const body of $$('#app tbody')) body.replaceChildren();
  for (const form of $$('#app form')) form.reset();
  // Only the selects filled from the API; the others hold fixed choices.
  for (const select of $$('#tenant, .server-select, .server-filter, #password-user')) select.replaceChildren();
  $('#client-result').hidden = true;
  $('#certificate-details').hidden = true;
  $('#identity-options').replaceChildren();
  for (const dd of $$('#app dd')) dd.textContent = '';
  $('#whoami').textContent = '';
  showError($('#page-error'), '');
  for (const error of $$('#app form .error')) showError(error, '');
  announce('');
  $('#app').hidden = true;
  $('#signin').hidden = false;
  document.title = 'Sign in · Tessera console';
  showError($('#signin-error'), message);
  $('#signin-username').focus();
}

// ---- tenants and servers ---------------------------------------------------------------------------

function renderTenantSelect() {
  const select = $('#tenant');
  select.replaceChildren(...state.tenants.map((t) => el('option', { value: t.id }, t.id)));
  select.value = state.tenant;
}

async function reloadTenants() {
  state.tenants = (await api('GET', '/api/admin/tenants')).tenants;
  renderTenantSelect();
}

async function selectTenant(tid) {
  state.tenant = tid;
  $('#tenant').value = tid;
  $('#server-tenant').value = tid;
  state.servers = (await api('GET', tenantPath('servers'))).servers;
  for (const select of $$('.server-select')) fillServerSelect(select);
  for (const select of $$('.server-filter')) fillServerSelect(select, { all: select.dataset.all });
}

async function renderServers() {
  // Fresh from the API each time the page is shown: another administrator may have changed them.
  await reloadTenants();
  await selectTenant(state.tenants.some((t) => t.id === state.tenant) ? state.tenant : 'default');
  fillTable(
    $('#tenants-table'),
    state.tenants.map((t) =>
      el('tr', {}, el('th', { scope: 'row' }, t.id), cell(t.name), cell(t.servers.join(', '))),
    ),
    'No tenants.',
  );
  fillTable(
    $('#servers-table'),
    state.servers.map((s) => {
      const removable = !(s.tenant_id === 'default' && s.id === 'default');
      const remove = removable
        ? el('button', { type: 'button', class: 'danger', 'aria-label': `Delete server ${s.id}`, onclick: () => deleteServer(s.id) }, 'Delete')
        : el('span', { class: 'muted small' }, 'default');
      return el(
        'tr',
        {},
        el('th', { scope: 'row' }, s.id),
        cell(s.name),
        cell(s.effective_issuer, 'mono'),
        cell(s.access_token_format ?? 'server default'),
        cell(el('a', { href: s.discovery_url }, 'openid-configuration')),
        cell(remove),
      );
    }),
    'No servers.',
  );
}

async function deleteServer(id) {
  if (!confirm(`Delete server ${state.tenant}/${id} with its clients, users, tokens and keys?`)) return;
  await guarded($('#page-error'), async () => {
    await api('DELETE', tenantPath(`servers/${encodeURIComponent(id)}`));
    await renderServers();
    announce(`Server ${id} deleted.`);
  });
}

async function createServer(event) {
  event.preventDefault();
  const form = event.currentTarget;
  await guarded($('.error', form), async () => {
    const tid = $('#server-tenant').value.trim();
    const body = { id: $('#server-id').value.trim() };
    const name = $('#server-name').value.trim();
    if (name) body.name = name;
    const format = $('#server-format').value;
    if (format) body.access_token_format = format;
    const created = await api('POST', `/api/admin/${encodeURIComponent(tid)}/servers`, body);
    form.reset();
    state.tenant = created.tenant_id;
    await renderServers();
    announce(`Server ${created.tenant_id}/${created.id} created.`);
  });
}

// ---- clients ---------------------------------------------------------------------------------------

function clientIdentity(c) {
  for (const field of ['tls_client_auth_subject_dn', 'tls_client_auth_san_dns', 'tls_client_auth_san_uri', 'tls_client_auth_san_ip', 'tls_client_auth_san_email']) {
    if (c[field]) return `${field.replace('tls_client_auth_', '')}: ${c[field]}`;
  }
  return '';
}

async function renderClients() {
  const serverId = $('#clients-server').value;
  const { clients } = await api('GET', tenantPath(`clients${serverQuery(serverId)}`));
  fillTable(
    $('#clients-table'),
    clients.map((c) => {
      const identity = clientIdentity(c);
      return el(
        'tr',
        {},
        el('th', { scope: 'row', class: 'mono' }, c.client_id),
        cell(c.client_name ?? ''),
        cell(c.authorization_server_id),
        cell(el('span', {}, c.token_endpoint_auth_method ?? 'secret or certificate', identity ? el('br') : null, identity ? el('small', { class: 'mono' }, identity) : null)),
        cell(c.grant_types.join(', ')),
        cell(c.tls_client_certificate_bound_access_tokens ? 'yes' : 'no'),
        cell(el('button', { type: 'button', class: 'danger', 'aria-label': `Delete client ${c.client_id}`, onclick: () => deleteClient(c) }, 'Delete')),
      );
    }),
    'No clients.',
  );
}

async function deleteClient(c) {
  if (!confirm(`Delete client ${c.client_id}? Its credentials stop working at once.`)) return;
  await guarded($('#page-error'), async () => {
    await api('DELETE', tenantPath(`clients/${encodeURIComponent(c.client_id)}${serverQuery(c.authorization_server_id)}`));
    await renderClients();
    announce(`Client ${c.client_id} deleted.`);
  });
}

const IDENTITY_FIELDS = [
  ['san_dns', 'DNS SAN'],
  ['san_uri', 'URI SAN'],
  ['san_ip', 'IP address SAN'],
  ['san_email', 'Email SAN'],
];

async function readCertificate() {
  const form = $('#client-form');
  const error = $('.error', form);
  const pem = $('#client-certificate').value.trim();
  state.certificate = null;
  $('#certificate-details').hidden = true;
  if (!pem) return showError(error, 'Paste or upload a PEM certificate first.');
  await guarded(error, async () => {
    const { certificates } = await api('POST', '/api/admin/certificate-info', { certificate: pem });
    const info = certificates[0];
    state.certificate = info;
    $('#cert-subject').textContent = info.subject_dn;
    $('#cert-issuer').textContent = info.self_issued ? `${info.issuer_dn} (self-issued)` : info.issuer_dn;
    $('#cert-validity').textContent = `${info.not_before.replace('.000Z', 'Z')} to ${info.not_after.replace('.000Z', 'Z')}`;
    const sans = IDENTITY_FIELDS.flatMap(([key, label]) => info[key].map((v) => `${label}: ${v}`));
    $('#cert-sans').textContent = sans.length ? sans.join('\n') : 'none';
    $('#cert-x5t').textContent = info['x5t#S256'];
    const options = [['subject_dn', 'Subject DN', info.subject_dn], ...IDENTITY_FIELDS.flatMap(([key, label]) => info[key].map((v) => [key, label, v]))];
    $('#identity-options').replaceChildren(
      ...options.map(([key, label, value], i) => {
        const id = `identity-${i}`;
        return el(
          'div',
          { class: 'choice' },
          el('input', { type: 'radio', name: 'identity', id, value: String(i), 'data-field': `tls_client_auth_${key}`, 'data-value': value, ...(i === 0 ? { checked: '' } : {}) }),
          el('label', { for: id, class: 'inline' }, `${label}: `, el('span', { class: 'mono' }, value)),
        );
      }),
    );
    $('#certificate-details').hidden = false;
    const more = certificates.length > 1 ? ` (the first of ${certificates.length} certificates in the PEM: the client's own comes first)` : '';
    announce(`Certificate read: ${info.subject_dn}${more}.`);
  });
}

async function loadCertificateFile(event) {
  const file = event.currentTarget.files?.[0];
  if (!file) return;
  if (file.size > 64 * 1024) return showError($('.error', $('#client-form')), 'That file is too large for a PEM certificate.');
  $('#client-certificate').value = await file.text();
  await readCertificate();
}

function clientBody() {
  const body = {};
  const text = (id) => $(id).value.trim();
  if (text('#client-id')) body.client_id = text('#client-id');
  if (text('#client-name')) body.client_name = text('#client-name');
  body.authorization_server_id = $('#client-server').value || 'default';
  const method = $('#client-method').value;
  body.token_endpoint_auth_method = method || null;
  body.grant_types = $$('input[name=grant_types]:checked').map((i) => i.value);
  const redirects = $('#client-redirects').value.split('\n').map((s) => s.trim()).filter(Boolean);
  if (redirects.length) body.redirect_uris = redirects;
  if (text('#client-scopes')) body.scope = text('#client-scopes');
  body.tls_client_certificate_bound_access_tokens = $('#client-bound').checked;
  const pem = $('#client-certificate').value.trim();
  if (method === 'tls_client_auth') {
    const chosen = $('input[name=identity]:checked');
    if (!chosen) throw new ApiError('Read the certificate and choose the subject DN or a SAN to register (tls_client_auth).');
    body[chosen.dataset.field] = chosen.dataset.value;
  } else if (pem) {
    body.certificate = pem;
  }
  return body;
}

async function registerClient(event) {
  event.preventDefault();
  const form = event.currentTarget;
  $('#client-result').hidden = true;
  await guarded($('.error', form), async () => {
    const created = await api('POST', tenantPath('clients'), clientBody());
    $('#result-client-id').textContent = created.client_id;
    $('#result-identity').textContent = clientIdentity(created) || (created.certificate?.length ? `${created.certificate.length} registered certificate(s)` : 'none');
    $('#result-secret').textContent = created.client_secret ? `${created.client_secret} (shown once)` : 'none (certificate-only method)';
    $('#client-result').hidden = false;
    await renderClients();
    announce(`Client ${created.client_id} registered.`);
  });
}

// ---- users -----------------------------------------------------------------------------------------

async function renderUsers() {
  const serverId = $('#users-server').value;
  const { users } = await api('GET', tenantPath(`users${serverQuery(serverId)}`));
  fillTable(
    $('#users-table'),
    users.map((u) =>
      el(
        'tr',
        {},
        el('th', { scope: 'row' }, u.username, u.is_admin ? el('span', { class: 'badge' }, 'super admin') : null),
        cell(u.id, 'mono'),
        cell(u.authorization_server_id),
        cell(Object.keys(u.claims).length ? JSON.stringify(u.claims) : '', 'mono'),
        cell(
          u.is_admin
            ? el('span', { class: 'muted small' }, 'deployment.toml')
            : el('button', { type: 'button', class: 'danger', 'aria-label': `Delete user ${u.username}`, onclick: () => deleteUser(u) }, 'Delete'),
        ),
      ),
    ),
    'No users.',
  );
  fillPasswordUsers(users);
}

/** The users the password form offers: everyone but the super admin (deployment.toml sets that password). */
function fillPasswordUsers(users) {
  const select = $('#password-user');
  const previous = select.value;
  select.replaceChildren(
    ...users.filter((u) => !u.is_admin).map((u) => el('option', { value: u.id, 'data-server': u.authorization_server_id }, `${u.username} (${u.authorization_server_id})`)),
  );
  if ($$('option', select).some((o) => o.value === previous)) select.value = previous;
}

async function setPassword(event) {
  event.preventDefault();
  const form = event.currentTarget;
  await guarded($('.error', form), async () => {
    const option = $('#password-user').selectedOptions[0];
    if (!option) throw new ApiError('There is no user whose password can be set here.');
    const password = $('#password-new').value;
    if (!password) throw new ApiError('Enter the new password.');
    const user = await api('PATCH', tenantPath(`users/${encodeURIComponent(option.value)}${serverQuery(option.dataset.server)}`), { password });
    $('#password-new').value = '';
    announce(`Password of ${user.username} set.`);
  });
}

async function deleteUser(u) {
  if (!confirm(`Delete user ${u.username}?`)) return;
  await guarded($('#page-error'), async () => {
    await api('DELETE', tenantPath(`users/${encodeURIComponent(u.id)}${serverQuery(u.authorization_server_id)}`));
    await renderUsers();
    announce(`User ${u.username} deleted.`);
  });
}

async function createUser(event) {
  event.preventDefault();
  const form = event.currentTarget;
  await guarded($('.error', form), async () => {
    const body = { username: $('#user-username').value.trim(), password: $('#user-password').value, authorization_server_id: $('#user-server').value || 'default' };
    const claims = $('#user-claims').value.trim();
    if (claims) {
      try {
        body.claims = JSON.parse(claims);
      } catch {
        throw new ApiError('Claims: not valid JSON (for example {"email": "user@example.com"}).');
      }
    }
    const user = await api('POST', tenantPath('users'), body);
    form.reset();
    await renderUsers();
    announce(`User ${user.username} created on ${user.authorization_server_id}.`);
  });
}

// ---- signing keys ----------------------------------------------------------------------------------

const utc = (seconds) => new Date(seconds * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, '');

function keyState(k) {
  if (k.current) return el('strong', {}, 'signing');
  if (k.published) return `rotated out ${utc(k.rotated_at)}; still in the JWKS for verification`;
  return `retired ${utc(k.rotated_at)}; no longer published`;
}

async function renderKeys() {
  const serverId = $('#keys-server').value || 'default';
  const { keys } = await api('GET', tenantPath(`servers/${encodeURIComponent(serverId)}/keys`));
  fillTable(
    $('#keys-table'),
    keys.map((k) => el('tr', {}, el('th', { scope: 'row', class: 'mono nowrap' }, k.kid), cell(k.alg), cell(utc(k.created_at), 'nowrap'), cell(keyState(k)))),
    'No keys.',
  );
}

async function rotateKeys() {
  const serverId = $('#keys-server').value || 'default';
  await guarded($('#page-error'), async () => {
    const { kids } = await api('POST', tenantPath(`servers/${encodeURIComponent(serverId)}/keys/rotate`));
    await renderKeys();
    announce(`Keys of ${serverId} rotated: now signing with ${kids.join(', ')}.`);
  });
}

// ---- audit trail -----------------------------------------------------------------------------------

function eventSummary(e) {
  const d = e.details ?? {};
  if (e.type === 'admin.changed') {
    const fields = Array.isArray(d.fields) ? ` (${d.fields.join(', ')})` : '';
    // A user is named by its username, not its generated id.
    const what = d.resource === 'user' && typeof d.username === 'string' ? d.username : d.id ?? '';
    return `${d.resource ?? ''} ${what} ${d.action ?? ''}${fields}`.trim();
  }
  return [e.method, e.reason, ...Object.entries(d).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)].filter(Boolean).join('; ');
}

/** Date and time may go on two lines, each kept whole. */
function timeCell(iso) {
  const [date, time] = iso.replace(/\.\d+Z$/, '').split('T');
  return el('span', {}, el('span', { class: 'nowrap' }, date), ' ', el('span', { class: 'nowrap' }, time));
}

/** `client.authentication.succeeded` may wrap after each dot, never inside a word. */
function breakable(dotted) {
  const span = el('span');
  dotted.split('.').forEach((part, i) => {
    if (i > 0) span.append('.', el('wbr'));
    span.append(part);
  });
  return span;
}

function auditRow(e) {
  return el(
    'tr',
    {},
    cell(timeCell(e.at)),
    cell(breakable(e.type), 'mono'),
    cell(e.server_id ?? ''),
    cell(e.client_id ?? '', 'mono'),
    cell(e.username ?? ''),
    cell(eventSummary(e)),
    cell(e.remote_address ?? '', 'mono nowrap'),
  );
}

async function renderAudit({ older = false } = {}) {
  const params = new URLSearchParams({ limit: '50' });
  const type = $('#audit-type').value;
  if (type) params.set('type', type);
  if (older && state.auditBefore) params.set('before', String(state.auditBefore));
  const page = await api('GET', tenantPath(`events?${params}`));
  const rows = page.events.map(auditRow);
  if (older) for (const row of rows) $('#audit-table tbody').append(row);
  else fillTable($('#audit-table'), rows, 'No events recorded yet.');
  state.auditBefore = page.next_before;
  $('#audit-older').hidden = page.next_before === null;
}

// ---- navigation ------------------------------------------------------------------------------------

const RENDERERS = { servers: renderServers, clients: renderClients, users: renderUsers, keys: renderKeys, audit: renderAudit };

async function showPage() {
  if (!state.auth) return;
  const name = PAGES.includes(location.hash.slice(1)) ? location.hash.slice(1) : 'servers';
  for (const page of PAGES) $(`#page-${page}`).hidden = page !== name;
  for (const link of $$('.sidenav a')) {
    if (link.dataset.page === name) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  const section = $(`#page-${name}`);
  document.title = `${section.dataset.title} · Tessera console`;
  showError($('#page-error'), '');
  announce('');
  await guarded($('#page-error'), () => RENDERERS[name]());
  // Move focus to the page heading so keyboard and screen-reader users land on the new content.
  $('h1', section).focus();
}

// ---- wiring ----------------------------------------------------------------------------------------

$('#signin-form').addEventListener('submit', signIn);
$('#signout').addEventListener('click', () => signOut('Signed out.'));
$('#tenant').addEventListener('change', () =>
  guarded($('#page-error'), async () => {
    await selectTenant($('#tenant').value);
    await showPage();
  }),
);
window.addEventListener('hashchange', () => void showPage());
$('#server-form').addEventListener('submit', createServer);
$('#client-form').addEventListener('submit', registerClient);
$('#read-certificate').addEventListener('click', () => void readCertificate());
// Edited PEM text must be read again before its DN or SAN can be registered.
$('#client-certificate').addEventListener('input', () => {
  state.certificate = null;
  $('#certificate-details').hidden = true;
  $('#identity-options').replaceChildren();
});
// The subject DN / SAN choice only applies to tls_client_auth; other methods register the PEM itself.
$('#client-method').addEventListener('change', () => {
  $('#identity-fieldset').hidden = $('#client-method').value !== 'tls_client_auth';
});
$('#client-certificate-file').addEventListener('change', (e) => void loadCertificateFile(e));
$('#user-form').addEventListener('submit', createUser);
$('#password-form').addEventListener('submit', setPassword);
$('#clients-server').addEventListener('change', () => void guarded($('#page-error'), renderClients));
$('#users-server').addEventListener('change', () => void guarded($('#page-error'), renderUsers));
$('#keys-server').addEventListener('change', () => void guarded($('#page-error'), renderKeys));
$('#rotate-keys').addEventListener('click', () => void rotateKeys());
$('#audit-type').addEventListener('change', () => void guarded($('#page-error'), () => renderAudit()));
$('#audit-refresh').addEventListener('click', () => void guarded($('#page-error'), () => renderAudit()));
$('#audit-older').addEventListener('click', () => void guarded($('#page-error'), () => renderAudit({ older: true })));
$('#signin-username').focus();
