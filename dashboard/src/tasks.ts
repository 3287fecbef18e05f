import type { VNode } from 'preact';
import { useState } from 'preact/hooks';
import { getJson, postJson, type Task } from './api.ts';
import { Failed, html, Loading, PageTitle, useLoad, useUi } from './ui.ts';

/** Open staff tasks: whom to call about what, and marking one done. */

export function TasksPage(): VNode {
  const { t, f, announce } = useUi();
  const [load] = useLoad('tasks', () => getJson<{ tasks: Task[] }>('/dashboard/api/tasks'));
  const [done, setDone] = useState<string[]>([]);
  const [error, setError] = useState('');
  const markDone = async (task: Task) => {
    try {
      await postJson('/dashboard/api/tasks/done', { at: task.at, id: task.id });
      setDone((d) => [...d, `${task.at}#${task.id}`]);
      announce(t.tasks.marked(task.subject));
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const body = () => {
    if (load.state === 'loading') return html`<${Loading} />`;
    if (load.state === 'failed') return html`<${Failed} what=${t.tasks.title} error=${load.error} />`;
    const open = load.value.tasks.filter((k) => !done.includes(`${k.at}#${k.id}`));
    if (open.length === 0) return html`<p class="notice" role="status">${t.tasks.empty}</p>`;
    return html`<ul class="tasks">${open.map(
      (k) => html`<li class="card task" key=${`${k.at}#${k.id}`} aria-labelledby=${`task-${k.id}`}>
        <h2 id=${`task-${k.id}`}>${k.subject}</h2>
        <dl class="facts">
          <div><dt>${t.tasks.customer}</dt><dd>${k.customer.firstName || k.customerId}</dd></div>
          <div><dt>${t.tasks.phone}</dt><dd>${k.customer.phone ? html`<a href=${`tel:${k.customer.phone}`}>${k.customer.phone}</a>` : '—'}</dd></div>
          <div><dt>${t.tasks.about}</dt><dd>${k.subjectOf ? `${t.tasks.kind[k.subjectOf.kind]} ${k.subjectOf.id}` : '—'}</dd></div>
          <div><dt>${t.tasks.amount}</dt><dd data-amount>${k.subjectOf?.amount && k.subjectOf.currency ? f.money(k.subjectOf.amount, k.subjectOf.currency) : '—'}</dd></div>
          <div><dt>${t.tasks.created}</dt><dd>${f.date(k.at)}</dd></div>
        </dl>
        <p>${k.text}</p>
        <button type="button" aria-label=${t.tasks.doneLabel(k.subject)} onClick=${() => markDone(k)}>${t.tasks.done}</button>
      </li>`,
    )}</ul>`;
  };
  return html`<section><${PageTitle}>${t.tasks.title}<//>${error ? html`<p class="notice error" role="alert">${error}</p>` : null}${body()}</section>` as VNode;
}
