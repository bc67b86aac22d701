import type { Controls } from '../ports.js';
import type { ControlRequestRow } from '../types.js';
import type { MemoryState } from './state.js';

export function memoryControls(m: MemoryState): Controls {
  return {
    postControl(request) {
      const row: ControlRequestRow = { ...request, id: m.controls.length + 1, takenAt: null, answeredAt: null, applied: null, result: null };
      m.controls.push(row);
      return { ...row };
    },
    takeControls(at) {
      const taken: ControlRequestRow[] = [];
      for (let i = m.controlsTaken; i < m.controls.length; i++) {
        const row = m.controls[i]!;
        row.takenAt = at;
        taken.push({ ...row });
      }
      m.controlsTaken = m.controls.length;
      return taken;
    },
    answerControl(id, answer) {
      const row = m.controls[id - 1];
      if (row) Object.assign(row, { answeredAt: answer.at, applied: answer.applied, result: answer.result });
    },
    listControls: (limit) => (limit <= 0 ? [] : m.controls.slice(-limit).reverse().map((r) => ({ ...r }))),
  };
}
