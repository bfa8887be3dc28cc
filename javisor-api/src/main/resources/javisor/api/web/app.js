// Javisor's web console: the VM table (polled), the lifecycle buttons, the exit-rate chart and one VM's serial
// console in xterm.js over a WebSocket. Plain JS: no build step, no framework.

// chart.js with this module's own query (?token=...), as index.html loads every file: a static import would drop it.
const {ExitChart, formatRate} = await import(new URL('chart.js' + new URL(import.meta.url).search, import.meta.url).href);

const POLL_MS = 1000;
const OPERATIONS = ['start', 'stop', 'suspend', 'resume', 'restart', 'delete'];

// The server printed this page's URL with ?token=...; the token goes on every request (the Authorization header
// for fetch, the query for the WebSocket, which cannot carry headers).
const token = new URLSearchParams(location.search).get('token') ?? '';
// The API lives one level above the page (/ui/ -> /): relative, so a proxy's path prefix keeps working.
const apiRoot = new URL('../', location.href);

const $ = id => document.getElementById(id);
const tbody = document.querySelector('#vms tbody');
const chart = new ExitChart($('exit-chart'), $('chart-legend'));
const rows = new Map(); // VM id -> its <tr>, updated in place so buttons survive each poll

/** An API answer that was not 2xx: its JSON "error" text, else the HTTP status. */
class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function api(method, path, body) {
  const headers = {};
  if (token) headers['Authorization'] = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(new URL(path, apiRoot), {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store'});
  } catch (e) {
    throw new ApiError(0, `the server cannot be reached (${e.message})`);
  }
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    // not JSON: the status line says enough
  }
  if (!res.ok) {
    let message = json?.error ?? `${res.status} ${res.statusText}`;
    if (res.status === 401 && !token) message += ' (open the URL with ?token=... that the server printed)';
    throw new ApiError(res.status, message);
  }
  return json ?? {};
}

// ---- errors and status -------------------------------------------------------------------------------------

/** Where the shown error came from: a failed poll clears itself when polling works again, an operation's not. */
let errorSource = null;

function showError(text, source) {
  $('error-text').textContent = text;
  $('error').hidden = false;
  errorSource = source;
}

function clearError(source) {
  if (source === undefined || errorSource === source) {
    $('error').hidden = true;
    $('error-text').textContent = '';
    errorSource = null;
  }
}

$('error-close').addEventListener('click', () => clearError());

function setStatus(text) {
  $('status').textContent = text;
}

// ---- the VM table ------------------------------------------------------------------------------------------

function formatMemory(bytes) {
  const mib = bytes / (1024 * 1024);
  return mib >= 1024 ? `${(mib / 1024).toFixed(mib % 1024 ? 1 : 0)} GiB` : `${Math.round(mib)} MiB`;
}

function formatUptime(ms) {
  if (!ms) return '–';
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor(s / 60) % 60;
  return h ? `${h}h ${m}m ${s % 60}s` : m ? `${m}m ${s % 60}s` : `${s}s`;
}

function cell(row, name) {
  return row.querySelector(`td.${name}`);
}

function newRow(vm) {
  const tr = document.createElement('tr');
  tr.dataset.vmId = String(vm.id);
  for (const name of ['id', 'name', 'state', 'vcpus', 'memory', 'uptime', 'rate', 'ops']) {
    const td = document.createElement('td');
    td.className = name;
    tr.append(td);
  }
  // Every operation is offered in every state: the server's answer (shown on the page) says which one is
  // allowed when, so the rules live in one place.
  for (const op of [...OPERATIONS, 'console']) {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = op;
    b.dataset.op = op;
    b.addEventListener('click', () => op === 'console' ? attachConsole(vm.id) : operate(vm.id, op));
    cell(tr, 'ops').append(b);
  }
  return tr;
}

function fillRow(tr, vm, rate) {
  cell(tr, 'id').textContent = vm.id;
  cell(tr, 'name').textContent = vm.name;
  const state = cell(tr, 'state');
  state.textContent = vm.state;
  state.dataset.state = vm.state;
  tr.dataset.state = vm.state;
  cell(tr, 'vcpus').textContent = vm.vcpus;
  cell(tr, 'memory').textContent = formatMemory(vm.memory);
  cell(tr, 'uptime').textContent = formatUptime(vm.uptime_ms);
  if (rate !== undefined) cell(tr, 'rate').textContent = rate === null ? '–' : formatRate(rate);
}

function showVms(vms, rates) {
  const ids = new Set(vms.map(vm => vm.id));
  for (const [id, tr] of rows) {
    if (!ids.has(id)) {
      tr.remove();
      rows.delete(id);
      if (consoleVm === id) detachConsole('the VM was deleted');
    }
  }
  for (const vm of vms) {
    let tr = rows.get(vm.id);
    if (!tr) {
      tr = newRow(vm);
      rows.set(vm.id, tr);
    }
    fillRow(tr, vm, rates.get(vm.id));
    tbody.append(tr); // in the server's order (by id); moving a row keeps its element
  }
  $('no-vms').hidden = vms.length > 0;
}

let polling = false;

async function poll() {
  if (polling) return; // a slow server: never two polls at once
  polling = true;
  try {
    const {vms} = await api('GET', 'vms');
    const rates = chart.update(vms, performance.now());
    showVms(vms, rates);
    clearError('poll');
    setStatus(`${vms.length} VM${vms.length === 1 ? '' : 's'} · updated ${new Date().toLocaleTimeString()}`);
    if (consoleVm === null && !consoleChosen && vms.length > 0) attachConsole(vms[0].id);
  } catch (e) {
    showError(e.message, 'poll');
    setStatus('not updated');
  } finally {
    polling = false;
  }
}

// ---- lifecycle operations ----------------------------------------------------------------------------------

async function operate(id, op) {
  const tr = rows.get(id);
  const label = `${op} VM ${id}`;
  if (op === 'delete' && !confirm(`Delete VM ${id}? It must be stopped first.`)) return;
  const buttons = tr ? [...tr.querySelectorAll('button')] : [];
  buttons.forEach(b => b.disabled = true); // one operation at a time per VM
  setStatus(`${label}…`);
  try {
    const answer = op === 'delete'
        ? await api('DELETE', `vms/${id}`)
        : await api('POST', `vms/${id}/${op}`, {});
    clearError();
    setStatus(answer.message ?? `${label}: done`);
    if (answer.vm && rows.has(id)) fillRow(rows.get(id), answer.vm);
  } catch (e) {
    showError(e.message, 'operation');
    setStatus(`${label}: refused`);
  } finally {
    buttons.forEach(b => b.disabled = false);
  }
  poll();
}

// ---- the serial console ------------------------------------------------------------------------------------

const term = new Terminal({
  convertEol: true, // guests write "\n" alone; a terminal needs "\r\n" to go back to column 0
  cols: 100,
  rows: 24,
  scrollback: 2000,
  fontFamily: 'ui-monospace, "DejaVu Sans Mono", monospace',
  fontSize: 14,
  lineHeight: 1.15, // at 1.0 the next row's background hides the underscores of DejaVu Sans Mono
});
term.open($('terminal'));

let socket = null;
let consoleVm = null;
/** Set once the user (or the first poll) has chosen a console, so that polling never re-attaches by itself. */
let consoleChosen = false;
const encoder = new TextEncoder();

function detachConsole(why) {
  if (socket) {
    const s = socket;
    socket = null;
    s.close();
  }
  if (consoleVm !== null && why) term.write(`\r\n\x1b[2m[${why}]\x1b[0m\r\n`);
  consoleVm = null;
  $('terminal').dataset.vmId = '';
}

function attachConsole(id) {
  consoleChosen = true;
  detachConsole();
  term.reset(); // the server replays the recent output first: start from a clean screen
  consoleVm = id;
  $('console-title').textContent = `of VM ${id}`;
  $('console-hint').hidden = true;
  $('terminal').dataset.vmId = String(id);
  const url = new URL(`vms/${id}/console`, apiRoot);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  if (token) url.searchParams.set('token', token);
  const s = new WebSocket(url);
  s.binaryType = 'arraybuffer';
  socket = s;
  s.addEventListener('open', () => {
    if (socket === s) $('terminal').dataset.connected = 'true';
  });
  s.addEventListener('message', ev => {
    if (socket !== s) return;
    term.write(typeof ev.data === 'string' ? ev.data : new Uint8Array(ev.data));
  });
  s.addEventListener('close', ev => {
    if (socket !== s) return; // replaced by another attach: that one speaks now
    socket = null;
    $('terminal').dataset.connected = 'false';
    term.write(`\r\n\x1b[2m[console closed${ev.reason ? ': ' + ev.reason : ''}]\x1b[0m\r\n`);
  });
  term.focus();
}

// What is typed goes to the guest as bytes, in binary frames: the guest's UART takes bytes, not text.
term.onData(data => {
  if (socket?.readyState === WebSocket.OPEN) socket.send(encoder.encode(data));
});
term.onBinary(data => {
  if (socket?.readyState === WebSocket.OPEN) {
    socket.send(Uint8Array.from(data, ch => ch.charCodeAt(0) & 0xff));
  }
});

// ---- start -------------------------------------------------------------------------------------------------

const requested = new URLSearchParams(location.search).get('console');
if (requested !== null && /^\d+$/.test(requested)) attachConsole(Number(requested));
poll();
setInterval(poll, POLL_MS);
window.addEventListener('resize', () => chart.draw());
