// How many open tasks the person at this desk has: the number on the Tasks button. Asked of
// the door again after task events (coalesced: a burst of events costs one or two requests).
import { door } from './rpc';
import { currentStaffId } from './app.svelte';

class MyTasks {
  open = $state(0);
}

export const myTasks = new MyTasks();

let running: Promise<void> | null = null;
let again = false;

async function count(): Promise<void> {
  const me = currentStaffId();
  if (!me) {
    myTasks.open = 0;
    return;
  }
  const list = await door({ op: 'task_list', args: { scope: 'mine', include_closed: false, limit: 1000 } }, 'tasks');
  myTasks.open = list.filter((t) => t.assignee_id === me).length;
}

export function refreshMyTasks(): Promise<void> {
  if (running) {
    again = true;
    return running;
  }
  running = (async () => {
    try {
      do {
        again = false;
        await count().catch(() => {
          /* the number stays as it was; the list itself shows the error */
        });
      } while (again);
    } finally {
      running = null;
    }
  })();
  return running;
}
