// Registering a task (POST /v1/tasks) from the example rows, or from pasted MetaICL JSONL when that is filled.

import {call} from './api.js';
import {el, note, showProblem} from './dom.js';
import {parseJsonl} from './jsonl.js';
import * as tasks from './tasks.js';

const section = () => document.getElementById('register-section');
const rows = () => document.querySelector('#example-rows tbody');

function addRow() {
  const n = rows().rows.length + 1;
  const tr = el('tr', {},
    el('td', {}, el('input', {type: 'text', class: 'example-input', 'aria-label': `Input ${n}`})),
    el('td', {}, el('input', {type: 'text', class: 'example-output', 'aria-label': `Output ${n}`})),
    el('td', {}, el('button', {type: 'button', class: 'remove', 'aria-label': `Remove example ${n}`,
      onclick: () => tr.remove()}, '×')));
  rows().append(tr);
  return tr;
}

/** The examples of the rows; a half-filled row is an error, an empty one is skipped. */
function fromRows() {
  const examples = [];
  Array.from(rows().rows).forEach((tr, i) => {
    const input = tr.querySelector('.example-input').value.trim();
    const output = tr.querySelector('.example-output').value.trim();
    if (!input && !output) {
      return;
    }
    if (!input || !output) {
      throw new Error(`example ${i + 1} needs both an input and an output`);
    }
    examples.push({input, output});
  });
  if (examples.length === 0) {
    throw new Error('no examples: fill at least one row, or paste JSONL');
  }
  return {examples, options: null};
}

/** The request body: only the fields given, so the gateway applies its defaults to the rest. */
function request() {
  const jsonl = document.getElementById('jsonl').value;
  const {examples, options} = jsonl.trim() ? parseJsonl(jsonl) : fromRows();
  const body = {examples};
  const typed = document.getElementById('options').value.split(/\r?\n/).map((s) => s.trim()).filter(Boolean);
  if (typed.length) {
    body.options = typed;
  } else if (options) {
    body.options = options;
  }
  body.design = document.getElementById('design').value;
  const demonstrations = parseInt(document.getElementById('demonstrations').value, 10);
  if (demonstrations > 0) {
    body.demonstrations = demonstrations;
  }
  const steps = parseInt(document.getElementById('refine-steps').value, 10);
  if (steps > 0) {
    body.refine = {steps};
  }
  return body;
}

async function submit(event) {
  event.preventDefault();
  showProblem(section(), null);
  note(document.getElementById('register-note'), '');
  let body;
  try {
    body = request();
  } catch (e) {
    showProblem(section(), {title: 'Cannot register', detail: e.message});
    return;
  }
  const button = document.getElementById('register');
  button.disabled = true;
  try {
    const accepted = await call('POST', '/tasks', {body, idempotent: true});
    note(document.getElementById('register-note'),
      `Registered task ${accepted.id} with ${body.examples.length} examples; its prompt is being generated.`);
    clear();
    await tasks.added(accepted.id);
  } catch (problem) {
    showProblem(section(), problem);
  } finally {
    button.disabled = false;
  }
}

/** Empties the examples and the JSONL (the settings stay), so a second click is not the same task again. */
function clear() {
  rows().replaceChildren();
  addRow();
  addRow();
  document.getElementById('jsonl').value = '';
}

export function install() {
  clear();
  document.getElementById('add-example').addEventListener('click', () => addRow().querySelector('input').focus());
  document.getElementById('register-form').addEventListener('submit', submit);
}
