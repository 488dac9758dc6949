"""gxxl send 退回/ --smtp smtps://user@host — send the 退回 replies of a folder, once each."""

from __future__ import annotations

from pathlib import Path

HELP = "发送退回邮件：把 gxxl rollup --feedback 生成的回复邮件（附校验标注副本）通过 SMTP 发给各报送单位，每封只发一次"

EPILOG = """\
说明：
  密码从环境变量 GXXL_SMTP_PASSWORD 读取；没有设置时在命令提示符中输入。不要把密码写在命令行里。
  已发送的邮件记录在文件夹的“退回记录.json”中，再次运行不会重复发送；--dry-run 只列出将要发送的邮件。

示例：
  gxxl send 退回/ --dry-run
  gxxl send 退回/ --smtp smtps://gkb@example.gov.cn@mail.example.gov.cn
"""


def add_arguments(p) -> None:
    p.epilog = EPILOG
    p.add_argument("folder", metavar="文件夹", help="gxxl rollup --feedback 生成的退回文件夹")
    p.add_argument("--smtp", metavar="URL", help="发信服务器：smtps://用户名@服务器[:端口]（smtp:// 配合 --starttls）")
    p.add_argument("--dry-run", action="store_true", help="只列出将要发送的邮件，不发送")
    p.add_argument("--starttls", action="store_true", help="smtp:// 连接后用 STARTTLS 加密")
    p.add_argument("--cafile", metavar="证书.pem", help="信任的证书文件（邮件服务器使用自签名证书时）")
    p.add_argument("--insecure", action="store_true", help="不验证服务器证书（仅用于测试）")
    p.add_argument("--timeout", metavar="秒", help="等待服务器应答的最长时间（默认 60 秒）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出发送结果（供程序使用）")
    p.add_argument("--from", dest="sender", metavar="地址", help="发件人地址（默认为登录用户名；用户名不是邮件地址时为各单位来信的收件地址）")


def run(args) -> int:
    import sys

    from ..mail import conn, smtp
    from . import UserError

    folder = Path(args.folder)
    if args.dry_run:
        result = smtp.send(folder, None, "", dry_run=True)
        _show(args, result, dry_run=True)
        return 0
    if not args.smtp:
        raise UserError("请用 --smtp 指定发信服务器，如 --smtp smtps://用户名@邮件服务器（或加 --dry-run 只查看）")
    server = conn.parse_url(args.smtp, ("smtp", "smtps"), "--smtp")
    timeout = conn.timeout_arg(args.timeout)
    if server.scheme == "smtp" and not args.starttls:
        print("gxxl：注意：smtp:// 未加密；请尽量使用 smtps:// 或加 --starttls", file=sys.stderr)
    context = conn.tls_context(args.cafile, args.insecure)
    _ledger, todo, _r = smtp.pending(folder)
    password = conn.password("GXXL_SMTP_PASSWORD", server) if todo else ""
    result = smtp.send(folder, server, password, context=context, starttls=args.starttls, sender=args.sender or "",
                       timeout=timeout)
    _show(args, result)
    return 1 if result.failed else 0


def _show(args, result, dry_run: bool = False) -> None:
    if args.json:
        from .output import print_json

        print_json(to_json(result, dry_run))
    else:
        print(summary(result, dry_run=dry_run))


def to_json(result, dry_run: bool = False) -> dict:
    """The outcome for programs: each reply sent, planned (--dry-run) or refused, with the reason."""
    def reply(r: dict) -> dict:
        return {k: r.get(k, "") for k in ("id", "unit", "to", "subject", "workbook")}

    return {
        "folder": str(result.folder), "dry_run": dry_run, "already": result.already, "no_message": result.no_message,
        "planned": [reply(r) for r in result.planned], "sent": [reply(r) for r in result.sent],
        "failed": [{**reply(r), "reason": why} for r, why in result.failed],
    }


def summary(result, dry_run: bool = False) -> str:
    lines = []
    if dry_run:
        lines.append(f"将要发送 {len(result.planned)} 封（已发送过 {result.already} 封，未发送任何邮件）：")
        for r in result.planned:
            att = f"，附件：{r['workbook']}" if r.get("workbook") else ""
            lines.append(f"  {r['id']}  收件人：{r['to']}  主题：{r['subject']}{att}")
    else:
        lines.append(f"发送完成：新发送 {len(result.sent)} 封，此前已发送 {result.already} 封，失败 {len(result.failed)} 封")
        for r in result.sent:
            lines.append(f"  已发送 {r['id']}  {r['to']}  {r['subject']}")
        for r, why in result.failed:
            lines.append(f"  未发送 {r['id']}  {r.get('unit', '')}：{why}")
    if result.no_message:
        lines.append(f"  另有 {result.no_message} 个单位的报表不是通过邮件收到的，没有回复邮件，请另行通知")
    # sender names, subjects and unit names come from strangers: no terminal control characters
    return "\n".join("".join(ch if ch.isprintable() or ch == " " else "?" for ch in line) for line in lines)
