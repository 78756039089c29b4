"""`publisher sandbox`: every installed channel's sandbox server, in the foreground."""

from __future__ import annotations

import json

import typer

from publisher.cli.common import busy_port_sentence, console, fail, port_taken


def register(app: typer.Typer) -> None:
    @app.command()
    def sandbox(
        port: int = typer.Option(8800, "--port", "-p", help="监听端口（0 表示随机空闲端口）"),
        host: str = typer.Option("127.0.0.1", "--host", help="监听地址；管理接口始终只接受本机访问"),
        faults: str = typer.Option("", "--faults", help='故障开关（JSON），如 \'{"error": {"rate": 0.1}}\''),
        seed: int | None = typer.Option(None, "--seed", help="故障随机数种子（同一种子，同样的故障）"),
        log: bool = typer.Option(True, "--log/--no-log", help="是否打印访问日志（不含查询参数）"),
    ) -> None:
        """启动本地渠道沙箱（模拟各渠道的平台接口），供演示与测试使用。"""
        from pydantic import ValidationError

        from channels.registry import channel_class
        from channels.sandbox_faults import settings_from_env
        from channels.sandbox_server import build_sandbox

        try:
            settings = settings_from_env()
            changes = json.loads(faults) if faults else {}
            if seed is not None:
                changes["seed"] = seed
            settings = settings.model_validate({**settings.model_dump(), **changes})
        except (ValueError, ValidationError) as exc:
            raise fail(f"故障开关设置有误：{exc}") from None
        taken = port_taken(host, port)
        if taken is not None:
            raise fail(busy_port_sentence(port, taken, "渠道沙箱", "--port"))
        try:
            handle = build_sandbox(host, port, faults=settings, quiet=not log)
        except OSError as exc:
            raise fail(busy_port_sentence(port, exc, "渠道沙箱", "--port")) from None
        console.print(f"渠道沙箱已启动：{handle.url}/")
        for name in handle.apps:
            cls = channel_class(name)
            secrets = "，".join(f"{k} = {v}" for k, v in cls.sandbox_secrets("示例账号").items()) if cls else ""
            console.print(f"  {cls.title if cls else name}接口 base_url = {handle.base_url(name)}"
                          + (f"（可用凭据：{secrets}）" if secrets else ""), soft_wrap=True)
        console.print("  已发布内容：" + "  ".join(f"{handle.base_url(n)}/" for n in handle.apps))
        console.print("按 Ctrl+C 停止。")
        try:
            handle.server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            handle.server.server_close()
            console.print("渠道沙箱已停止。")
