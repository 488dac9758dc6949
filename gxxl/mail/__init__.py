"""The mail loop: collect submissions from an IMAP mailbox, send 退回 replies by SMTP.

- :mod:`.conn` — ``imaps://user@host:port/INBOX`` style addresses, passwords from the
  environment or a prompt (never from the command line), TLS contexts, and one
  Chinese message for every way a connection can fail (:class:`MailError`).
- :mod:`.imap` — ``gxxl collect``: fetch new messages with workbook attachments into a
  folder (``.eml`` + attachments under safe names), remember what was fetched.
- :mod:`.names` — safe file names for untrusted attachment names.
- :mod:`.message` — the 退回 reply (``.eml``) to a unit's original message.
- :mod:`.smtp` — ``gxxl send``: send the replies of a 退回 folder once, with a ledger.
- :mod:`.msg` — Outlook ``.msg`` files read like ``.eml`` (``extract-msg``, imported lazily).

Only the standard library is imported at module level (``imaplib``, ``smtplib``,
``ssl``, ``email``), so the CLI's start-up does not pay for any of it.
"""
