// The task list: GET /v1/tasks page by page (issue 16). A gateway without listing answers 404 or 405: the list then
// shows the tasks registered from this tab (their ids are kept in session storage) and says so.

import {call, taskPath} from './api.js';
import {decimal, el, note, orDash, show, showProblem, time} from './dom.js';

const REGISTERED = 'metal.console.registered';
const STATUSES = ['pending', 'ready', 'failed'];

const section = () => document.getElementById('tasks-section');
const body = () => document.querySelector('#tasks tbody');

let cursor = null;
let openTask = () => {};
let updated = () => {};
const polling = new Set();

export function onOpen(handler) {
  openTask = handler;
}

/** Called with the full view of a task the list followed until it changed. */
export function onUpdate(handler) {
  updated = handler;
}

/** Ids of the tasks registered from this tab, newest first. */
function registered() {
  try {
    const ids = JSON.parse(window.sessionStorage.getItem(REGISTERED) || '[]');
    return Array.isArray(ids) ? ids.filter((id) => typeof id === 'string') : [];
  } catch (e) {
    return [];
  }
}

function remember(ids) {
  window.sessionStorage.setItem(REGISTERED, JSON.stringify(ids.slice(0, 100)));
}

function statusBadge(status) {
  const known = STATUSES.includes(status) ? status : 'unknown';
  return el('span', {class: 'status status-' + known}, orDash(status));
}

/** The served version's macro-F1, when the view lists versions with a quality. */
function servedMacroF1(view) {
  const served = Array.isArray(view.versions) ? view.versions.find((v) => v && v.served) : null;
  return served && served.quality ? decimal(served.quality.macroF1) : '—';
}

function row(view) {
  return el('tr', {'data-task-id': view.id, 'data-status': STATUSES.includes(view.status) ? view.status : 'unknown'},
    el('td', {}, el('button', {type: 'button', class: 'link', onclick: () => openTask(view.id)}, view.id)),
    el('td', {}, statusBadge(view.status)),
    el('td', {}, orDash(view.design)),
    el('td', {}, orDash(view.version)),
    el('td', {class: 'num'}, servedMacroF1(view)),
    el('td', {}, time(view.createdAt)));
}

function findRow(id) {
  return Array.from(body().rows).find((r) => r.dataset.taskId === id) || null;
}

/** Puts the task's row in the list: in place when it is there, else first (newest) or last; follows it while pending. */
function render(view, {first = false, follow = true} = {}) {
  const fresh = row(view);
  const old = findRow(view.id);
  if (old) {
    old.replaceWith(fresh);
  } else if (first) {
    body().prepend(fresh);
  } else {
    body().append(fresh);
  }
  show(document.getElementById('no-tasks'), body().rows.length === 0);
  if (follow && view.status === 'pending') {
    poll(view.id);
  }
}

/** Reads a pending task again, every second and then less often, until it is ready or failed. */
function poll(id, delay = 1000) {
  if (polling.has(id)) {
    return;
  }
  polling.add(id);
  window.setTimeout(async () => {
    polling.delete(id);
    try {
      const view = await call('GET', taskPath(id));
      if (!findRow(id)) {
        return;   // deleted, or the list was reloaded without it
      }
      render(view, {follow: false});
      updated(view);
      if (view.status === 'pending') {
        poll(id, Math.min(5000, delay * 1.5));
      }
    } catch (problem) {
      showProblem(section(), problem);
    }
  }, delay);
}

/** The full view of each listed task (versions and scores are not in a page), one after another. */
async function addDetails(views) {
  for (const view of views) {
    try {
      render(await call('GET', taskPath(view.id)));
    } catch (problem) {
      if (problem.status !== 404) {
        showProblem(section(), problem);
      }
    }
  }
}

async function fromRegistered(problem) {
  note(document.getElementById('list-note'),
    `This gateway does not list tasks yet (GET /v1/tasks answered ${problem.status}): `
      + 'showing the tasks registered from this tab.');
  const kept = [];
  for (const id of registered()) {
    try {
      render(await call('GET', taskPath(id)));
      kept.push(id);
    } catch (p) {
      if (p.status !== 404) {
        kept.push(id);
        showProblem(section(), p);
      }
    }
  }
  remember(kept);
  show(document.getElementById('more'), false);
  if (kept.length === 0) {
    await checkKey();
  }
}

/** Without a list to read, whether the key is accepted: a task id no task has is a 404 for a valid key, else 401. */
async function checkKey() {
  try {
    await call('GET', taskPath('console-key-check'));
  } catch (problem) {
    if (problem.status !== 404) {
      showProblem(section(), problem);
    }
  }
}

/** Loads the first page (reset) or the next one. */
export async function load(reset) {
  showProblem(section(), null);
  if (reset) {
    cursor = null;
    body().replaceChildren();
    note(document.getElementById('list-note'), '');
  }
  let page;
  try {
    page = await call('GET', '/tasks?limit=20' + (cursor ? '&cursor=' + encodeURIComponent(cursor) : ''));
  } catch (problem) {
    if (problem.status === 404 || problem.status === 405) {
      await fromRegistered(problem);
    } else {
      showProblem(section(), problem);
    }
    show(document.getElementById('no-tasks'), body().rows.length === 0);
    return;
  }
  const views = Array.isArray(page.tasks) ? page.tasks : [];
  views.forEach((view) => render(view));
  cursor = page.nextCursor || null;
  show(document.getElementById('more'), Boolean(cursor));
  show(document.getElementById('no-tasks'), body().rows.length === 0);
  await addDetails(views);
}

/** A task just registered from this tab: first in the list, remembered, followed until ready. */
export async function added(id) {
  remember([id, ...registered().filter((x) => x !== id)]);
  try {
    render(await call('GET', taskPath(id)), {first: true});
  } catch (problem) {
    showProblem(section(), problem);
  }
}

export function refresh(view) {
  render(view);
}

export function removed(id) {
  const old = findRow(id);
  if (old) {
    old.remove();
  }
  remember(registered().filter((x) => x !== id));
  show(document.getElementById('no-tasks'), body().rows.length === 0);
}
