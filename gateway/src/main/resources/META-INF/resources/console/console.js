// The console's entry point: the API key of this tab, then the task list, a task's view and registration.

import {apiKey} from './api.js';
import {show} from './dom.js';
import * as register from './register.js';
import * as task from './task.js';
import * as tasks from './tasks.js';

function keyState() {
  const has = Boolean(apiKey.get());
  document.getElementById('key-state').textContent = has ? 'API key set for this tab' : 'No API key yet';
  show(document.getElementById('workspace'), has);
  return has;
}

function useKey(event) {
  event.preventDefault();
  const field = document.getElementById('api-key');
  const key = field.value.trim();
  if (!key) {
    return;
  }
  apiKey.set(key);
  field.value = '';
  keyState();
  task.close();
  tasks.load(true);
}

function forgetKey() {
  apiKey.forget();
  document.getElementById('api-key').value = '';
  document.querySelector('#tasks tbody').replaceChildren();
  task.close();
  keyState();
}

function start() {
  // A policy violation means a part of the page did not work: say so rather than fail silently.
  document.addEventListener('securitypolicyviolation', (e) => {
    document.body.dataset.cspViolation = `${e.violatedDirective} ${e.blockedURI}`;
  });
  document.getElementById('key-form').addEventListener('submit', useKey);
  document.getElementById('forget-key').addEventListener('click', forgetKey);
  document.getElementById('refresh').addEventListener('click', () => tasks.load(true));
  document.getElementById('more').addEventListener('click', () => tasks.load(false));
  tasks.onOpen((id) => task.open(id));
  task.install();
  register.install();
  if (keyState()) {
    tasks.load(true);
  }
}

start();
