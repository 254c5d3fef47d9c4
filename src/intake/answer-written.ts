import type { ServerResponse } from 'node:http';

/**
 * Call `written` once an answer's last byte was handed to an open connection, or `lost` if the
 * connection closed first (the sender gave up waiting, or went away). Register before sending.
 *
 * This is what makes a 2xx count as "seen by the sender" in the NotificationLedger. It cannot see
 * past this process: a sender that closed its end just before, when the intake has not read that
 * yet (a busy event loop), still has the bytes written for it, and they count. The request
 * deadline, well under any sender's timeout, is what keeps the answer far from that moment.
 */
export function onAnswerWritten(res: ServerResponse, handlers: { written: () => void; lost: () => void }): void {
  // Closed already: 'close' has been emitted and will not come again.
  if (res.destroyed || res.closed) {
    handlers.lost();
    return;
  }
  // 'finish' as soon as the last byte is with the kernel: before the sender can read it, so before
  // it can send its next notification. 'close' without 'finish': the connection dropped first.
  res.once('finish', handlers.written);
  res.once('close', () => {
    if (!res.writableFinished) handlers.lost();
  });
}
