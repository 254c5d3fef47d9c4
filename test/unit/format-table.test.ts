import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { displayWidth } from '../../src/cli/display-width.js';
import { formatTable } from '../../src/cli/format-table.js';

describe('medic incidents table', () => {
  it('aligns columns after wide (CJK) and emoji service names, by terminal columns', () => {
    const table = formatTable(
      ['INCIDENT', 'SERVICE', 'STATUS'],
      [
        ['incident-1', '支付服务', 'recovered'],
        ['incident-2', 'checkout-api', 'escalated'],
        ['incident-3', 'café-👩‍💻', 'open'],
      ],
    );
    const lines = table.split('\n');
    // STATUS starts in the same terminal column on every line.
    const statusColumn = (line: string, status: string) => displayWidth(line.slice(0, line.indexOf(status)));
    const columns = [statusColumn(lines[0] ?? '', 'STATUS'), statusColumn(lines[1] ?? '', 'recovered'), statusColumn(lines[2] ?? '', 'escalated'), statusColumn(lines[3] ?? '', 'open')];
    assert.deepEqual(new Set(columns).size, 1, `STATUS columns: ${columns.join(', ')}\n${table}`);
  });

  it('counts a CJK character as two columns and a combining accent as none', () => {
    assert.equal(displayWidth('支付'), 4);
    assert.equal(displayWidth('e\u0301'), 1);
    assert.equal(displayWidth('checkout'), 8);
  });
});
