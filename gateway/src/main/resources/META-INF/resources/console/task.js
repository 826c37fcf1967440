// One task: its fields (those the gateway sent), its prompt versions with their scores (issue 16), predictions to
// try, and deletion.

import {call, taskPath} from './api.js';
import {decimal, el, note, orDash, show, showProblem, time} from './dom.js';
import * as tasks from './tasks.js';

const section = () => document.getElementById('task-section');
let current = null;

function field(list, label, value) {
  if (value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0)) {
    return;
  }
  list.append(el('dt', {}, label), el('dd', {}, value));
}

function chips(values) {
  return values.map((v) => el('code', {class: 'chip'}, v));
}

function renderFields(view) {
  const list = document.getElementById('task-fields');
  list.replaceChildren();
  field(list, 'Status', view.status);
  field(list, 'Design', view.design);
  field(list, 'Prompt length (k)', view.k);
  field(list, 'PGM version', view.pgmVersion);
  field(list, 'Prompt text', view.promptText);
  field(list, 'Why it failed', view.reason);
  field(list, 'Options', Array.isArray(view.options) ? chips(view.options) : null);
  field(list, 'Created', view.createdAt ? time(view.createdAt) : null);
  field(list, 'Examples seen', view.examples);
  field(list, 'Served version', view.version);
  if (view.refine && typeof view.refine === 'object') {
    field(list, 'Refinement', `${orDash(view.refine.steps)} steps, ${orDash(view.refine.status)}`);
  }
}

function renderVersions(view) {
  const table = document.getElementById('versions');
  const rows = table.querySelector('tbody');
  rows.replaceChildren();
  if (!Array.isArray(view.versions)) {
    show(table, false);
    note(document.getElementById('versions-note'), 'This gateway does not report prompt versions yet.');
    return;
  }
  note(document.getElementById('versions-note'), view.versions.length ? '' : 'No version yet.');
  for (const v of view.versions) {
    const q = v.quality || {};
    rows.append(el('tr', {class: v.served ? 'served' : null},
      el('td', {}, orDash(v.number)), el('td', {}, orDash(v.source)), el('td', {}, orDash(v.examplesSeen)),
      el('td', {}, orDash(v.pgmVersion)), el('td', {}, time(v.createdAt)), el('td', {}, v.served ? 'yes' : ''),
      el('td', {class: 'num'}, decimal(q.macroF1)), el('td', {class: 'num'}, decimal(q.accuracy)),
      el('td', {class: 'num'}, decimal(q.iclMacroF1)), el('td', {class: 'num'}, decimal(q.iclAccuracy)),
      el('td', {class: 'num'}, orDash(q.validationExamples)),
      el('td', {}, typeof v.rejected === 'string' ? v.rejected : v.rejected ? 'yes' : '')));
  }
  show(table, view.versions.length > 0);
}

/** Shows task {@code id}, read afresh. */
export async function open(id) {
  current = id;
  showProblem(section(), null);
  document.getElementById('task-id').textContent = id;
  show(document.getElementById('predictions'), false);
  note(document.getElementById('prediction-note'), '');
  show(section(), true);
  try {
    const view = await call('GET', taskPath(id));
    if (current !== id) {
      return;
    }
    renderFields(view);
    renderVersions(view);
    tasks.refresh(view);
  } catch (problem) {
    showProblem(section(), problem);
  }
}

function scores(prediction) {
  if (!prediction.scores || typeof prediction.scores !== 'object') {
    return '';
  }
  return Object.entries(prediction.scores)
    .sort((a, b) => b[1] - a[1])
    .map(([option, score]) => `${option} ${decimal(score)}`)
    .join(' · ');
}

async function predict(event) {
  event.preventDefault();
  const inputs = document.getElementById('predict-inputs').value.split(/\r?\n/).map((s) => s.trim()).filter(Boolean);
  const button = document.getElementById('predict');
  showProblem(section(), null);
  button.disabled = true;
  try {
    const answer = await call('POST', taskPath(current) + '/predictions', {body: {inputs}, idempotent: true});
    const rows = document.querySelector('#predictions tbody');
    rows.replaceChildren(...(answer.predictions || []).map((p) => el('tr', {},
      el('td', {}, orDash(p.input)), el('td', {class: 'answer'}, orDash(p.choice ?? p.text)), el('td', {}, scores(p)))));
    show(document.getElementById('predictions'), true);
    const by = [answer.version ? `version ${answer.version}` : null, answer.pgmVersion ? `PGM ${answer.pgmVersion}` : null]
      .filter(Boolean).join(', ');
    note(document.getElementById('prediction-note'), by ? `Answered by ${by}.` : '');
  } catch (problem) {
    showProblem(section(), problem);
  } finally {
    button.disabled = false;
  }
}

async function remove() {
  if (!current || !window.confirm(`Delete task ${current}? Its prompt is dropped.`)) {
    return;
  }
  try {
    await call('DELETE', taskPath(current));
    tasks.removed(current);
    show(section(), false);
    current = null;
  } catch (problem) {
    showProblem(section(), problem);
  }
}

export function install() {
  tasks.onUpdate((view) => {
    if (view.id === current) {
      renderFields(view);
      renderVersions(view);
    }
  });
  document.getElementById('predict-form').addEventListener('submit', predict);
  document.getElementById('reload-task').addEventListener('click', () => current && open(current));
  document.getElementById('delete-task').addEventListener('click', remove);
}

export function close() {
  current = null;
  show(section(), false);
}
