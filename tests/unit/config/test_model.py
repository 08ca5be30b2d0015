"""The settings dataclasses: defaults from the declarations, AccountSettings.url and
AuthSettings.needs_secret."""

from __future__ import annotations

import ast
import inspect

from beacon.config import model
from beacon.config import options as opt
from beacon.config.model import AccountSettings, AuthSettings, Config, FeedSettings, Rule

QUERY = "protocol=7&client=beacon&version=1.2.3"


def test_cluster_url() -> None:
    account = AccountSettings(name="a", key="app-key", cluster="eu")
    assert account.url("1.2.3") == f"wss://ws-eu.pusher.com/app/app-key?{QUERY}"


def test_default_cluster_is_mt1() -> None:
    assert AccountSettings(name="a", key="k").url("1.2.3").startswith("wss://ws-mt1.pusher.com/")


def test_self_hosted_urls() -> None:
    plain = AccountSettings(name="a", key="k", host="127.0.0.1", port=6001, tls=False)
    assert plain.url("1.2.3") == f"ws://127.0.0.1:6001/app/k?{QUERY}"
    secure = AccountSettings(name="a", key="k", host="push.example.com")
    assert secure.url("1.2.3") == f"wss://push.example.com:443/app/k?{QUERY}"
    default_plain = AccountSettings(name="a", key="k", host="h", tls=False)
    assert default_plain.url("1.2.3") == f"ws://h:80/app/k?{QUERY}"
    ipv6 = AccountSettings(name="a", key="k", host="::1", port=6001, tls=False)
    assert ipv6.url("1.2.3") == f"ws://[::1]:6001/app/k?{QUERY}"


def test_needs_secret() -> None:
    assert AuthSettings(mode="sign").needs_secret
    assert not AuthSettings(mode="endpoint", endpoint="https://x/a").needs_secret
    assert AuthSettings(
        mode="endpoint", endpoint="https://x/a", headers={"Authorization": "Bearer {secret}"}
    ).needs_secret


def test_no_default_is_written_in_the_model() -> None:
    """Each default is stated once, in options.py; model.py only refers to it.

    A literal here (``tls: bool = True``) would be a second place that could disagree with
    the validator and the reference, which is what this test exists to rule out.
    """
    tree = ast.parse(inspect.getsource(model))
    literals = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.AnnAssign) and node.value is not None):
            continue
        default = node.value
        if isinstance(default, ast.Call) and ast.unparse(default.func) == "field":
            keywords = {k.arg: k.value for k in default.keywords}
            # field(default_factory=NotificationSettings) builds a declared-once table.
            factory = keywords.get("default_factory")
            if factory is not None and ast.unparse(factory) in {"dict", "list", "tuple", "set"}:
                literals.append(ast.unparse(node))
            default = keywords.get("default", factory)
        if isinstance(default, ast.Constant | ast.Tuple | ast.List | ast.Dict | ast.Set):
            literals.append(ast.unparse(node))
    assert literals == []


def test_a_model_built_without_arguments_has_the_declared_defaults() -> None:
    assert FeedSettings().retention_count == opt.FEED["retention_count"].default
    assert Rule().priority == opt.RULE["priority"].default
    assert Config(path=None).accounts == opt.ROOT["account"].default
    first, second = AuthSettings(mode="sign"), AuthSettings(mode="sign")
    assert first.headers == {} and first.headers is not second.headers
    assert first.headers is not opt.AUTH["headers"].default
