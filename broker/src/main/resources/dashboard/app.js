// The operator dashboard. Uses only the admin API (/admin/...), authenticated by the HttpOnly session cookie
// set at sign-in; every request carries X-Ephyr-CSRF, which a cross-site form or image cannot send. Nothing
// from the server is inserted as HTML: agents choose task descriptions, so every value goes in as text.
'use strict';

const REFRESH_MS = 15000;
// The dashboard's own polling is audited like any admin call; the live view leaves those reads out.
const QUIET_EVENTS = new Set(['admin.status', 'admin.task.list', 'admin.task.tree', 'admin.audit.live']);
const MAX_AUDIT_ROWS = 200;
const $ = (id) => document.getElementById(id);
let refreshTimer = null;
let live = null;

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

class ApiError extends Error {
  constructor(status, code, message) { super(message || code); this.status = status; this.code = code; }
}

async function api(path, options = {}) {
  const init = {
    method: options.method || 'GET',
    credentials: 'same-origin',
    headers: { 'Accept': 'application/json', 'X-Ephyr-CSRF': '1' },
  };
  if (options.body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(options.body);
  }
  const res = await fetch(path, init);
  const text = await res.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch (e) { json = null; }
  if (res.status === 401) { showSignIn(); throw new ApiError(401, 'unauthenticated', 'sign in again'); }
  if (!res.ok) throw new ApiError(res.status, json && json.error, (json && json.message) || res.statusText);
  return json;
}

function toast(text) {
  const t = $('toast');
  t.textContent = text;
  t.style.display = 'block';
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { t.style.display = 'none'; }, 4000);
}

// ------------------------------------------------------------------------------------------- sign in

function showSignIn() {
  stop();
  $('app').hidden = true;
  $('sign-out').hidden = true;
  $('sign-in').hidden = false;
  $('credential').focus();
}

async function signIn(event) {
  event.preventDefault();
  const credential = $('credential').value;
  $('sign-in-error').textContent = '';
  try {
    await api('/admin/ui/session', { method: 'POST', body: { credential } });
  } catch (e) {
    $('sign-in-error').textContent = e.status === 401 ? 'That credential is not an admin of this cluster.' : e.message;
    return;
  } finally {
    $('credential').value = '';
  }
  start();
}

async function signOut() {
  try { await api('/admin/ui/session', { method: 'DELETE' }); } catch (e) { /* signed out either way */ }
  showSignIn();
}

// ------------------------------------------------------------------------------------------- cluster

function short(s, n = 12) { return s ? String(s).slice(0, n) : ''; }

function renderCluster(s) {
  const health = s.quorum_present ? el('span', { class: 'ok' }, 'quorum present') : el('span', { class: 'bad' }, 'quorum lost');
  $('cluster-summary').textContent = `${s.members} member(s), quorum ${s.quorum}, answered by ${s.answered_by}`;
  const drift = [];
  if (s.policy_hashes_agree === false) drift.push(el('p', { class: 'warn' }, 'Policy differs between nodes.'));
  if (s.keyring_fingerprints_agree === false) drift.push(el('p', { class: 'bad' }, 'Keyrings differ between nodes.'));
  const rows = (s.nodes || []).map((n) => el('tr', { 'data-node': n.node },
    el('td', {}, n.node || ''), el('td', {}, n.address || ''),
    el('td', {}, n.error ? el('span', { class: 'bad' }, n.error) : (n.ready ? el('span', { class: 'ok' }, 'ready') : el('span', { class: 'warn' }, n.state || 'not ready'))),
    el('td', {}, el('code', {}, short(n.policy_hash))), el('td', {}, el('code', {}, short(n.keyring_fingerprint, 16))),
    el('td', {}, n.watermarks ?? ''),
    el('td', {}, !n.state_store ? '' : (n.state_store.writable === false
      ? el('span', { class: 'bad' }, `writes refused: ${n.state_store.failure || ''}`)
      : `${Math.round((n.state_store.bytes || 0) / 1048576)} / ${Math.round((n.state_store.max_bytes || 0) / 1048576)} MiB`)),
    el('td', {}, n.blocked_thread_warnings ?? '')));
  $('cluster').replaceChildren(el('p', {}, health, ` — state ${s.state}`), ...drift,
    el('table', {}, el('thead', {}, el('tr', {}, ['node', 'address', 'state', 'policy', 'keyring', 'watermarks', 'disk', 'blocked'].map((h) => el('th', {}, h)))),
      el('tbody', {}, rows)));
}

// ------------------------------------------------------------------------------------------- tasks

function envelopeText(env) {
  if (!env) return '';
  const parts = [];
  for (const k of ['targets', 'roles', 'services', 'methods', 'remotes']) {
    const v = env[k];
    if (v === '*' || (Array.isArray(v) && v.length)) parts.push(`${k}: ${Array.isArray(v) ? v.join(',') : v}`);
  }
  if (Array.isArray(env.tools) && env.tools.some((t) => t.length)) parts.push(`tools: ${env.tools.map((t) => t.join('|')).join(' ∧ ')}`);
  if (env.delegate) parts.push(`delegate ≤ depth ${env.max_depth}`);
  return parts.length ? parts.join(' · ') : 'no capabilities';
}

function taskLine(t) {
  const status = t.status || 'active';
  return el('div', { class: `task ${status}`, 'data-task': t.task_id },
    el('code', {}, t.task_id), el('strong', {}, t.agent || ''), el('span', {}, t.description || ''),
    el('span', { class: status === 'active' ? 'ok' : 'bad' }, status),
    el('span', { class: 'muted' }, `epoch ${t.epoch ?? 0}`),
    el('span', { class: 'muted' }, t.holder_bound ? 'holder-bound' : 'bearer'),
    el('span', { class: 'muted' }, t.expires_at ? `expires ${t.expires_at}` : ''),
    el('span', { class: 'env' }, envelopeText(t.envelope)),
    status === 'active' ? el('button', { class: 'danger', onclick: () => revoke(t) }, 'Revoke') : null,
    status === 'active' ? el('button', { onclick: () => reissue(t) }, 'Reissue') : null);
}

function buildForest(tasks) {
  const byId = new Map(tasks.map((t) => [t.task_id, { task: t, children: [] }]));
  const roots = [];
  for (const node of byId.values()) {
    const parent = node.task.parent_id && byId.get(node.task.parent_id);
    (parent ? parent.children : roots).push(node);
  }
  const render = (nodes, cls) => el('ul', { class: cls }, nodes.map((n) => el('li', {}, taskLine(n.task),
    n.children.length ? render(n.children, 'tree') : null)));
  return render(roots, 'tree root');
}

function subtreeOf(tasks, id) {
  const ids = new Set([id]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const t of tasks) if (!ids.has(t.task_id) && ids.has(t.parent_id)) { ids.add(t.task_id); grew = true; }
  }
  return tasks.filter((t) => ids.has(t.task_id));
}

async function loadTasks() {
  const status = $('show-inactive').checked ? 'all' : 'active';
  const r = await api(`/admin/tasks?status=${status}`);
  const tasks = Array.isArray(r) ? r : (r.tasks || []);
  const parts = [tasks.length ? buildForest(tasks) : el('p', { class: 'muted' }, 'No tasks.')];
  if (r.truncated) parts.push(el('p', { class: 'warn' }, 'List truncated.'));
  $('tasks').replaceChildren(...parts);
}

function confirmDialog(title, body) {
  const d = $('confirm');
  $('confirm-title').textContent = title;
  $('confirm-body').replaceChildren(body);
  d.showModal();
  return new Promise((resolve) => d.addEventListener('close', () => resolve(d.returnValue === 'ok'), { once: true }));
}

async function revoke(t) {
  let doomed = [t];
  try {
    const tree = await api(`/admin/tasks/${encodeURIComponent(t.task_id)}/tree`);
    doomed = subtreeOf(tree.tasks || [], t.task_id).filter((x) => (x.status || 'active') === 'active');
  } catch (e) { /* the preview is a courtesy; the revoke itself is authoritative */ }
  const body = el('div', {}, el('p', {}, `Revoking ${t.task_id} kills ${doomed.length} task(s) on every node:`),
    el('ul', { id: 'doomed' }, doomed.map((x) => el('li', {}, el('code', {}, x.task_id), ` ${x.agent} — ${x.description || ''}`))));
  if (!(await confirmDialog('Revoke task', body))) return;
  try {
    const r = await api(`/admin/tasks/${encodeURIComponent(t.task_id)}/revoke`, { method: 'POST', body: {} });
    toast(r.acknowledged_by_all ? `Revoked; acknowledged by all ${r.members} member(s)` : `Revoked; ${r.acknowledged}/${r.members} acknowledged`);
  } catch (e) { toast(`Revoke failed: ${e.message}`); }
  refresh();
}

async function reissue(t) {
  // A token can only be reissued from itself (its chain), so the operator pastes the leaked copy.
  const field = el('textarea', { id: 'reissue-token', rows: 4, cols: 60, spellcheck: 'false', placeholder: 'mac_…' });
  const body = el('div', {}, el('p', {}, `Reissue ${t.task_id}: every existing copy of its token stops working and the`
    + ' task goes on with a fresh token. Paste the task\'s current token:'), field);
  if (!(await confirmDialog('Reissue token', body))) return;
  try {
    const r = await api('/admin/reissue', { method: 'POST', body: { token: field.value.trim() } });
    toast(`Reissued; the task is at epoch ${r.epoch}; hand the new token to its agent`);
  } catch (e) { toast(`Reissue failed: ${e.message}`); }
  refresh();
}

// ------------------------------------------------------------------------------------------- capabilities

async function loadCapabilities() {
  const sections = [];
  for (const [title, path, key] of [['Issued certificates', '/admin/ssh/certs', 'certs'], ['Services', '/admin/services', 'services'], ['Remotes', '/admin/remotes', 'remotes']]) {
    let content;
    try {
      const r = await api(path);
      const rows = Array.isArray(r) ? r : (r[key] || []);
      content = rows.length ? table(rows) : el('p', { class: 'muted' }, 'none');
    } catch (e) {
      if (e.status === 401) throw e;
      content = el('p', { class: 'muted' }, e.status === 404 ? 'not available on this node' : e.message);
    }
    sections.push(el('h3', {}, title), content);
  }
  $('capabilities').replaceChildren(...sections);
}

function table(rows) {
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))].slice(0, 10);
  const cell = (v) => (v !== null && typeof v === 'object' ? JSON.stringify(v) : v ?? '');
  return el('table', {}, el('thead', {}, el('tr', {}, cols.map((c) => el('th', {}, c)))),
    el('tbody', {}, rows.map((r) => el('tr', {}, cols.map((c) => el('td', {}, cell(r[c])))))));
}

// ------------------------------------------------------------------------------------------- live audit

function startLive() {
  if (live) live.close();
  live = new EventSource('/admin/audit/live', { withCredentials: true });
  live.onopen = () => { $('live-state').textContent = '(connected)'; };
  live.onerror = () => { $('live-state').textContent = '(reconnecting…)'; };
  live.onmessage = (m) => {
    let r;
    try { r = JSON.parse(m.data); } catch (e) { return; }
    if (r.decision === 'allow' && QUIET_EVENTS.has(r.event)) return;
    const row = el('tr', { class: r.decision || '' }, [r.time, r.node, r.event, r.decision, r.reason,
      r.admin ? `admin ${r.admin}` : r.agent, r.task, r.resource].map((v) => el('td', {}, v ?? '')));
    const body = $('audit').tBodies[0];
    body.prepend(row);
    while (body.rows.length > MAX_AUDIT_ROWS) body.deleteRow(-1);
    // Something happened to a task: show it now rather than at the next poll.
    if (r.event && /task|revoke|reissue|bind|delegate/.test(r.event)) scheduleRefresh();
  };
}

// ------------------------------------------------------------------------------------------- lifecycle

function scheduleRefresh() {
  clearTimeout(scheduleRefresh.timer);
  scheduleRefresh.timer = setTimeout(refresh, 500);
}

async function refresh() {
  if ($('confirm').open) return;
  try {
    renderCluster(await api('/admin/status'));
    await loadTasks();
    await loadCapabilities();
  } catch (e) {
    if (e.status !== 401) toast(e.message);
  }
}

function start() {
  $('sign-in').hidden = true;
  $('app').hidden = false;
  $('sign-out').hidden = false;
  refresh();
  startLive();
  clearInterval(refreshTimer);
  refreshTimer = setInterval(refresh, REFRESH_MS);
}

function stop() {
  clearInterval(refreshTimer);
  if (live) { live.close(); live = null; }
}

document.addEventListener('DOMContentLoaded', () => {
  $('sign-in-form').addEventListener('submit', signIn);
  $('sign-out').addEventListener('click', signOut);
  $('show-inactive').addEventListener('change', refresh);
  // Signed in already (cookie)? The status call answers 401 otherwise, which shows the sign-in form.
  api('/admin/status').then(() => start()).catch(() => showSignIn());
});
