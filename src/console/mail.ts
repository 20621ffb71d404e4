import type { Logger } from '../log.ts';

/*
 * Invitations and password resets by mail, through nodemailer (the maintained SMTP client for
 * Node) when GOODTAKE_SMTP_URL is set. Without it the console hands the link to the operator to
 * pass on. nodemailer is loaded only when mail is configured.
 */
export interface MailSettings {
  /** smtp://user:pass@host:port or smtps://... */
  readonly url: string;
  readonly from: string;
}

export interface OneTimeLinkMail {
  readonly to: string;
  readonly purpose: 'invite' | 'reset';
  readonly link: string;
  readonly expiresAt: number;
}

export interface Mailer {
  /** Sends the link; throws when the SMTP server refuses it. */
  sendLink(mail: OneTimeLinkMail): Promise<void>;
}

export async function createMailer(settings: MailSettings, log: Logger): Promise<Mailer> {
  const nodemailer = await import('nodemailer');
  const transport = nodemailer.createTransport(settings.url);
  return {
    async sendLink({ to, purpose, link, expiresAt }) {
      const until = new Date(expiresAt).toUTCString();
      const subject =
        purpose === 'invite' ? 'You are invited to goodtake' : 'Reset your goodtake password';
      const lead =
        purpose === 'invite'
          ? 'You have been invited to the goodtake console. Choose your password here:'
          : 'A password reset was requested for your goodtake account. Choose a new password here:';
      const text = `${lead}\n\n${link}\n\nThe link works once, until ${until}.\n`;
      await transport.sendMail({ from: settings.from, to, subject, text });
      log.info({ purpose }, 'one-time link mailed');
    },
  };
}
