"""gxxl collect --imap imaps://user@host/INBOX -o 收件箱/ — fetch submissions from a mailbox."""

from __future__ import annotations

import datetime as _dt
import sys
from pathlib import Path

from . import UserError

HELP = "收取邮件：从邮箱（IMAP）下载带有 Excel 统计表附件的邮件，保存为 .eml 和附件，供 gxxl rollup 汇总"

EPILOG = """\
说明：
  密码从环境变量 GXXL_IMAP_PASSWORD 读取；没有设置时在命令提示符中输入。不要把密码写在命令行里。
  每封带工作簿附件的邮件保存为 -o 所指文件夹下的一个子文件夹（原邮件.eml 和全部附件）；已收取过的邮件不会重复下载。
  邮箱以只读方式打开，不删除、不移动邮件，也不改变“已读/未读”，除非加 --mark-seen。
  之后用 gxxl rollup 收件箱/ … 汇总（每个附件只计一次）。
  退出码：0 收取完成；1 有邮件因过大未下载（见屏幕提示）；2 无法连接、登录失败或用法有误。

示例：
  set GXXL_IMAP_PASSWORD=邮箱密码            （Windows；Linux/macOS 用 export）
  gxxl collect --imap imaps://gkb@example.gov.cn@mail.example.gov.cn/INBOX --since 2025-01-01 -o 收件箱/
"""


def add_arguments(p) -> None:
    p.epilog = EPILOG
    p.add_argument("--imap", metavar="URL", required=True,
                   help="邮箱地址：imaps://用户名@服务器[:端口]/文件夹（imap:// 为不加密或配合 --starttls）")
    p.add_argument("-o", "--output", metavar="文件夹", required=True, help="保存邮件的文件夹（如 收件箱/）")
    p.add_argument("--since", metavar="日期", help="只收取该日期及以后的邮件，如 2025-01-01")
    p.add_argument("--starttls", action="store_true", help="imap:// 连接后用 STARTTLS 加密")
    p.add_argument("--cafile", metavar="证书.pem", help="信任的证书文件（单位邮件服务器使用自签名证书时）")
    p.add_argument("--insecure", action="store_true", help="不验证服务器证书（仅用于测试）")
    p.add_argument("--timeout", metavar="秒", help="等待服务器应答的最长时间（默认 60 秒）")
    p.add_argument("--mark-seen", action="store_true", help="把已收取的邮件标为已读（默认不改变邮件状态）")
    p.add_argument("--max-size", metavar="MB", help="单封邮件大小上限，超过的不下载（默认 30 MB）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出收取结果（供程序使用）")


def run(args) -> int:
    from ..mail import conn, imap

    server = conn.parse_url(args.imap, ("imap", "imaps"), "--imap")
    conn.timeout_arg(args.timeout)
    since = None
    if args.since:
        try:
            since = _dt.date.fromisoformat(args.since.strip())
        except ValueError:
            raise UserError(f"--since 应为日期，如 2025-01-01：「{args.since}」") from None
    max_mb = imap.DEFAULT_MAX_MB
    if args.max_size:
        try:
            max_mb = float(args.max_size)
        except ValueError:
            max_mb = -1
        if not 0 < max_mb <= 2048:
            raise UserError(f"--max-size 应为 1 到 2048 之间的数字（MB）：「{args.max_size}」")
    if server.scheme == "imap" and not args.starttls:
        print("gxxl：注意：imap:// 未加密，密码和邮件以明文传输；请尽量使用 imaps:// 或加 --starttls", file=sys.stderr)
    context = conn.tls_context(args.cafile, args.insecure)
    password = conn.password("GXXL_IMAP_PASSWORD", server)
    out = Path(args.output)
    result = imap.collect(server, password, out, since=since, context=context, starttls=args.starttls,
                          mark_seen=args.mark_seen, max_bytes=int(max_mb * (1 << 20)),
                          timeout=conn.timeout_arg(args.timeout))
    if args.json:
        from .output import print_json

        print_json(to_json(result, out))
    else:
        print(summary(result, out))
    return 1 if result.too_large else 0


def to_json(result, out: Path) -> dict:
    """The outcome for programs: what was saved where, what was skipped and why."""
    return {
        "mailbox": result.mailbox, "output": str(out), "total": result.total, "known": result.known,
        "without_workbook": result.without_workbook, "duplicate": result.duplicate,
        "saved": [{"folder": s.folder, "uid": s.uid, "sender": s.sender, "subject": s.subject,
                   "attachments": list(s.attachments)} for s in result.saved],
        "too_large": [{"uid": uid, "bytes": size, "message": what} for uid, size, what in result.too_large],
        "notes": list(result.notes), "marked_seen": result.marked_seen,
    }  # 1: something was left on the server that needs a look


def summary(result, out: Path) -> str:
    lines = [f"收取完成：{result.mailbox}"]
    lines.append(f"  符合条件的邮件 {result.total} 封：新保存 {len(result.saved)} 封（附件 "
                 f"{sum(len(s.attachments) for s in result.saved)} 个），以前已收取 {result.known} 封，"
                 f"没有工作簿附件 {result.without_workbook} 封"
                 + (f"，重复邮件 {result.duplicate} 封" if result.duplicate else ""))
    for s in result.saved[:10]:
        lines.append(f"    {s.folder}：{'、'.join(s.attachments)}")
    if len(result.saved) > 10:
        lines.append(f"    ……共 {len(result.saved)} 封")
    for uid, size, what in result.too_large:
        lines.append(f"  邮件过大未下载（UID {uid}，{size / (1 << 20):.1f} MB{'；' + what if what else ''}），"
                     "请联系发件单位压缩后重发，或用 --max-size 调大上限")
    for note in result.notes:
        lines.append(f"  {note}")
    if result.marked_seen:
        lines.append(f"  已标为已读 {result.marked_seen} 封")
    lines.append(f"  保存位置：{out}（汇总：gxxl rollup {out} …）")
    # sender names, subjects and unit names come from strangers: no terminal control characters
    return "\n".join("".join(ch if ch.isprintable() or ch == " " else "?" for ch in line) for line in lines)
