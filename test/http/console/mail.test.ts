import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsoleClient, createOperator, linkToken, OPERATOR } from '../../helpers/console.ts';
import { createTestApp, type TestApp } from '../../helpers/harness.ts';

// Invitations and resets by mail: goodtake's nodemailer against a local SMTP server (the
// smtp-server package) that this test starts and reads.

interface Received {
  from: string;
  to: string[];
  text: string;
}

let smtp: SMTPServer;
let t: TestApp;
const inbox: Received[] = [];

beforeAll(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, session, callback) {
      let text = '';
      stream.setEncoding('utf8');
      stream.on('data', (d: string) => {
        text += d;
      });
      stream.on('end', () => {
        inbox.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          text,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const { port } = smtp.server.address() as AddressInfo;
  t = await createTestApp({
    env: {
      GOODTAKE_SMTP_URL: `smtp://127.0.0.1:${port}?ignoreTLS=true`,
      GOODTAKE_MAIL_FROM: 'goodtake <noreply@goodtake.test>',
      GOODTAKE_CONSOLE_URL: 'https://console.goodtake.test',
    },
  });
  await createOperator(t);
});
afterAll(async () => {
  await t.close();
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
});

/** The body of a quoted-printable mail with its soft line breaks joined. */
const unfold = (text: string) => text.replace(/=\r?\n/g, '').replace(/=3D/g, '=');

describe('mail', () => {
  it('mails the invitation link instead of handing it to the operator; the link works once', async () => {
    const operator = new ConsoleClient(t.request);
    expect((await operator.signIn(OPERATOR.email, OPERATOR.password)).status).toBe(200);
    // Behind a proxy that passes another Host: the configured console URL is the console's site.
    const viaProxy = await operator.request('/console/api/accounts', {
      method: 'POST',
      body: { name: 'Via the proxy' },
      headers: { Origin: 'https://console.goodtake.test' },
    });
    expect(viaProxy.status).toBe(201);
    const invite = await operator.json<{ mailed: boolean; link: string | null }>(
      '/console/api/users',
      {
        method: 'POST',
        body: { email: 'Frank@Example.com', role: 'member', account_id: t.accountId },
      },
    );
    expect(invite.status).toBe(201);
    expect(invite.data).toMatchObject({ mailed: true, link: null });
    expect(inbox).toHaveLength(1);
    const mail = inbox[0]!;
    expect(mail.from).toBe('noreply@goodtake.test');
    expect(mail.to).toEqual(['frank@example.com']);
    const body = unfold(mail.text);
    expect(body).toContain('Subject: You are invited to goodtake');
    const link =
      /https:\/\/console\.goodtake\.test\/console\/#\/set-password\/[A-Za-z0-9_-]{43}/.exec(
        body,
      )?.[0];
    expect(link).toBeDefined();

    const frank = new ConsoleClient(t.request);
    frank.csrf = (await frank.json<{ csrf_token: string }>('/console/api/session')).data.csrf_token;
    const set = await frank.request('/console/api/password', {
      method: 'POST',
      body: { token: linkToken(link!), password: 'franks long password' },
    });
    expect(set.status).toBe(200);
    expect((await frank.signIn('frank@example.com', 'franks long password')).status).toBe(200);

    const users = await operator.json<{ users: Array<{ id: string; email: string }> }>(
      '/console/api/users',
    );
    const id = users.data.users.find((u) => u.email === 'frank@example.com')!.id;
    const reset = await operator.json<{ mailed: boolean }>(`/console/api/users/${id}/reset`, {
      method: 'POST',
    });
    expect(reset.data.mailed).toBe(true);
    expect(inbox).toHaveLength(2);
    expect(unfold(inbox[1]!.text)).toContain('Subject: Reset your goodtake password');
  });
});
