// The login dialog: a modal form over the page until the engine accepts a user name and
// password (net/session.ts decides when to ask). Standard form fields, so password managers work.
import { el } from './dom';
import type { Credentials, LoginPrompt } from '../net/session';

export class LoginDialog implements LoginPrompt {
  private readonly form: HTMLFormElement;
  private readonly name: HTMLInputElement;
  private readonly password: HTMLInputElement;
  private readonly error: HTMLElement;
  private readonly submit: HTMLButtonElement;
  private pending: ((c: Credentials) => void) | null = null;

  constructor(private readonly root: HTMLElement) {
    root.replaceChildren();
    root.setAttribute('role', 'dialog');
    root.setAttribute('aria-modal', 'true');
    root.setAttribute('aria-labelledby', 'login-title');
    this.form = el('form', 'login-box', root);
    el('h1', '', this.form, 'Lingjing').id = 'login-title';
    el('p', 'login-hint', this.form, 'Log in to see the ward.');
    const field = (label: string, type: string, autocomplete: string) => {
      const l = el('label', '', this.form, label);
      const i = el('input', '', l);
      i.type = type;
      i.required = true;
      i.autocomplete = autocomplete as AutoFill;
      i.name = autocomplete;
      return i;
    };
    this.name = field('User name', 'text', 'username');
    this.password = field('Password', 'password', 'current-password');
    this.error = el('p', 'login-error', this.form);
    this.error.setAttribute('role', 'alert');
    const submit = el('button', '', this.form, 'Log in');
    submit.type = 'submit';
    this.submit = submit;
    this.form.onsubmit = (e) => {
      e.preventDefault();
      const resolve = this.pending;
      if (!resolve) return;
      this.pending = null;
      submit.disabled = true;
      resolve({ name: this.name.value.trim(), password: this.password.value });
    };
  }

  ask(error: string): Promise<Credentials> {
    this.root.hidden = false;
    this.error.textContent = error;
    this.password.value = '';
    this.submit.disabled = false;
    (this.name.value ? this.password : this.name).focus();
    return new Promise((resolve) => {
      this.pending = resolve;
    });
  }

  done(): void {
    this.root.hidden = true;
    this.password.value = '';
  }
}
