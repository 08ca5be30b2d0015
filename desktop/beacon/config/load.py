"""Read and validate ``config.toml`` into a ``Config``.

Validation is driven by the option tables of ``options.py``. Every problem becomes a
``ConfigError`` that names the file, the line, the problem and the fix; all problems are
collected and the first (in file order) is raised, carrying the rest in ``problems``.
"""

from __future__ import annotations

import difflib
import ipaddress
import os
import re
import ssl
import stat
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

import platformdirs

from beacon.config import options as opt
from beacon.config import transport
from beacon.config.errors import ConfigError
from beacon.config.locate import LineIndex, Path_
from beacon.config.model import (
    AccountSettings,
    Action,
    AuthMode,
    AuthSettings,
    CatchupSettings,
    Config,
    FeedSettings,
    InterfaceSettings,
    NotificationSettings,
    Rule,
    SignalSpec,
)

APP_NAME = "beacon"
CONFIG_NAME = "config.toml"


def _xdg_dir(variable: str) -> Path | None:
    # The XDG spec says to ignore relative paths; tests set these on every OS.
    value = os.environ.get(variable, "")
    return Path(value) / APP_NAME if value and os.path.isabs(value) else None


def default_config_path() -> Path:
    """``$XDG_CONFIG_HOME/beacon/config.toml``, or the platform's config dir."""
    base = _xdg_dir("XDG_CONFIG_HOME") or platformdirs.user_config_path(APP_NAME, appauthor=False)
    return base / CONFIG_NAME


def data_dir() -> Path:
    """``$XDG_DATA_HOME/beacon``, or the platform's data dir (not created here)."""
    return _xdg_dir("XDG_DATA_HOME") or platformdirs.user_data_path(APP_NAME, appauthor=False)


def state_dir() -> Path:
    """Where Beacon keeps state that is neither config nor history (``$XDG_STATE_HOME/beacon``)."""
    return _xdg_dir("XDG_STATE_HOME") or platformdirs.user_state_path(APP_NAME, appauthor=False)


def load_config(path: Path | None = None, *, required: bool = False) -> Config:
    """The config at ``path`` (default: ``default_config_path()``).

    A missing file is an empty ``Config``, unless ``required`` (a path the user named
    with ``--config``: a missing one is a typo, not "no accounts yet"); anything wrong
    raises ``ConfigError``.
    """
    path = path if path is not None else default_config_path()
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        if required:
            raise ConfigError(
                path,
                None,
                "does not exist",
                "check the path given to --config, or leave --config out to use "
                f"{default_config_path()}",
            ) from None
        return Config(path=path)
    except IsADirectoryError:
        raise ConfigError(
            path, None, "is a directory, not a config file", "point --config at a TOML file"
        ) from None
    except OSError as exc:
        raise ConfigError(
            path,
            None,
            f"cannot be read: {exc.strerror or exc}",
            "make the file readable by your user (chmod u+r)",
        ) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError(
            path, line, "is not UTF-8 text", "save the file with UTF-8 encoding"
        ) from None
    return parse_config(text, path)


def parse_config(text: str, path: Path) -> Config:
    """Validate ``text`` as the contents of the config file at ``path``.

    The same checks and messages as ``load_config``; the settings window validates what it
    is about to save with this, before the file is replaced.
    """
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _syntax_error(path, text, exc) from None
    return _Loader(path, text).load(raw)


# --- syntax errors ----------------------------------------------------------------------

_AT_RE = re.compile(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)\s*$")
_SYNTAX_FIXES = (
    ("Invalid value", 'give the value a TOML type: "text" in quotes, true/false, a number, '
     "[a, list] or { a = table }"),
    ("Illegal character", 'close the string on the same line, or use """ for text that '
     "spans lines"),
    ("Expected '=' after a key", "write key = value; quote keys that hold other characters"),
    ("Invalid initial character for a key part", 'keys are letters, digits, _ and -; '
     'quote other keys: "my key" = 1'),
    ("Cannot declare", "declare each table once; use [[name]] for a list of tables"),
    ("Cannot overwrite a value", "set each key once per table"),
    ("Unclosed array", "close the list with ]"),
    ("Unclosed inline table", "close the table with }; inline tables fit on one line"),
    ("Unclosed multiline string", 'close the text with the same quotes it opened with'),
    ("Expected ']' at the end", "end the header with ] (or ]] for [[...]])"),
    ("Expected newline or end of document", "put each key = value on its own line"),
)  # fmt: skip


def _syntax_error(path: Path, text: str, exc: tomllib.TOMLDecodeError) -> ConfigError:
    message = str(exc)
    match = _AT_RE.search(message)
    line: int | None = None
    if match is not None:
        message = message[: match.start()]
        if match.group(1):
            line = int(match.group(1))
            message += f" (column {match.group(2)})"
        else:
            line = text.rstrip().count("\n") + 1
            message += " (at the end of the file)"
    fix = next(
        (fix for prefix, fix in _SYNTAX_FIXES if message.startswith(prefix)),
        "correct the TOML syntax at that spot (https://toml.io)",
    )
    if match is not None and not match.group(1):
        fix = (
            "something is still open where the file ends: close the list with ], the "
            "string with its quotes, or finish the last key = value"
        )
    return ConfigError(path, line, f"TOML syntax error: {message}", fix)


# --- validation -------------------------------------------------------------------------

_HEADER_NAME_RE = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_PLACEHOLDER_RE = re.compile(r"\{([^{}]*)\}")
# Headers that carry a credential: a literal value there is a secret in the file.
_CREDENTIAL_HEADER_RE = re.compile(
    r"^(authorization|proxy-authorization|cookie)$|token|secret|api-?key|password", re.I
)
_NEEDS_AUTH = ("private-", "presence-")


def _closest(key: str, known: Mapping[str, Any] | set[str]) -> str | None:
    close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)
    return close[0] if close else None


def _suggest(key: str, known: Mapping[str, Any]) -> str:
    close = _closest(key, known)
    if close is not None:
        return f'did you mean "{close}"? Rename it, or remove the line'
    return f"remove it; the keys allowed here are: {', '.join(known)}"


def _section_of(key: str) -> str | None:
    """The header a key that was written above every header probably belongs under."""
    sections = (
        ("[[account]]", opt.ACCOUNT),
        ("[[rule]]", opt.RULE),
        ("[notifications]", opt.NOTIFICATIONS),
        ("[feed]", opt.FEED),
        ("[interface]", opt.INTERFACE),
    )
    return next((header for header, table in sections if key in table), None)


def _is_loopback(url: str) -> bool:
    # Decided without a resolver: see config/transport.py for what counts, and why.
    return transport.loopback_literal(urlsplit(url).hostname or "")


_PLAIN_HTTP_FIX = (
    "use an https:// {what} (plain http is accepted only for localhost), or add "
    "allow_insecure = true to the account if you accept that anyone on the network path "
    "can read the secret"
)


_CA_FILE_LIMIT = 10 * 2**20  # bytes; the system store is about 0.2 MB
_CA_FIX = "point ca_file at a PEM file of CA certificates, or remove it to trust the system's CAs"


def _ca_file_problem(path: Path) -> tuple[str, str] | None:
    """What keeps ``path`` from being a CA file, and the fix; None when TLS can use it.

    Checked here, once, so that a bad file is a config error with a line and a fix, and
    never an ``ssl.SSLError`` out of the first connection. The test is the very call the
    TLS code makes, ``load_verify_locations(cafile=...)``, on a context of its own.
    """
    unreadable = (
        f"make it readable by your user (chmod a+r {path}), or point ca_file at a readable copy"
    )
    try:
        status = path.stat()
    except FileNotFoundError:
        return f"ca_file {path} does not exist", _CA_FIX
    except OSError as exc:
        return f"ca_file {path} cannot be read: {exc.strerror or exc}", unreadable
    if stat.S_ISDIR(status.st_mode):
        return (
            f"ca_file {path} is a directory, not a file",
            "point ca_file at the PEM file itself (a directory of CA files is not supported)",
        )
    # Opening a FIFO would wait for a writer forever, and a device never ends.
    if not stat.S_ISREG(status.st_mode):
        return f"ca_file {path} is not a regular file", _CA_FIX
    if status.st_size > _CA_FILE_LIMIT:
        return (
            f"ca_file {path} is {status.st_size / 2**20:.0f} MB, far more than a file of CA "
            "certificates holds",
            _CA_FIX,
        )
    try:
        with path.open("rb") as file:
            head = file.read(2)
    except OSError as exc:
        return f"ca_file {path} cannot be read: {exc.strerror or exc}", unreadable
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    try:
        context.load_verify_locations(cafile=path)
    except (ssl.SSLError, OSError, ValueError):
        # DER (binary) certificates start with an ASN.1 SEQUENCE; TLS needs them in PEM.
        if head[:1] == b"\x30":
            pem = path.with_suffix(".pem")
            pem = pem if pem != path else path.with_name(f"{path.stem}-converted.pem")
            return (
                f"ca_file {path} is a binary (DER) certificate, not PEM",
                f"convert it with: openssl x509 -inform der -in {path} -out {pem}; then point "
                "ca_file at the new file",
            )
        return (
            f"ca_file {path} holds no PEM certificate that TLS can load",
            "point ca_file at a file of -----BEGIN CERTIFICATE----- blocks (PEM), the CA "
            "certificates that signed your server's certificate",
        )
    return None


class _Loader:
    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = LineIndex.scan(text)
        self.problems: list[ConfigError] = []
        self.misspelt: set[Path_] = set()  # (table..., key) that an unknown key resembles
        self.account_names: set[str] = set()
        self.insecure_accounts: set[str] = set()  # those with allow_insecure = true

    def load(self, raw: dict[str, Any]) -> Config:
        root = self._table(raw, opt.ROOT, (), "top level", None, "")
        accounts = self._accounts(root.get("account", []))
        rules = self._rules(root.get("rule", []))
        signals = self._signals(root.get("signal", []))
        notifications = self._notifications(root.get("notifications"))
        feed = self._feed(root.get("feed"))
        interface = self._interface(root.get("interface"))
        if self.problems:
            ordered = sorted(self.problems, key=lambda p: p.line or 0)
            first = ordered[0]
            raise ConfigError(first.path, first.line, first.message, first.fix, ordered)
        return Config(
            path=self.path,
            accounts=tuple(accounts),
            rules=tuple(rules),
            signals=tuple(signals),
            notifications=notifications,
            feed=feed,
            interface=interface,
        )

    def _misspelt(self, where: Path_, *keys: str) -> bool:
        return any((*where, key) in self.misspelt for key in keys)

    def _problem(self, where: Path_, message: str, fix: str) -> None:
        self.problems.append(ConfigError(self.path, self.lines.line_of(where), message, fix))

    def _table(
        self,
        raw: dict[str, Any],
        options: Mapping[str, opt.Option],
        where: Path_,
        context: str,
        account: str | None,
        prefix: str,
    ) -> dict[str, Any]:
        """The keys of ``raw`` that are known and valid; a problem for each other one."""
        valid: dict[str, Any] = {}
        who = account or "ACCOUNT"
        for key, value in raw.items():
            at = (*where, key)
            kind = opt.secret_kind(key)
            if kind is not None:
                flag = " --encryption-key" if kind == "encryption" else ""
                self._problem(
                    at,
                    f"{context}: {prefix}{key} puts a secret in the config file, which is not "
                    "a safe place for it",
                    f"remove the line and store it in the OS keyring: beacon login {who}{flag}",
                )
                continue
            option = options.get(key)
            if option is None:
                close = _closest(key, options)
                if close is not None:
                    self.misspelt.add((*where, close))
                fix = _suggest(key, options)
                if not where:
                    home = _section_of(key)
                    if home is not None:
                        fix = (
                            f"put it under a {home} header: keys above the first header "
                            "belong to no table"
                        )
                self._problem(at, f"{context}: unknown key {prefix}{key}", fix)
                continue
            problem = option.validate(value)
            if problem is not None:
                self._problem(
                    (*at, *problem.at),
                    f"{context}: {prefix}{key} {problem.message}",
                    problem.fix.replace("{account}", who),
                )
                continue
            valid[key] = value
        for option in options.values():
            # A misspelt key already has its "did you mean"; "missing" would only repeat it.
            if (
                option.required
                and option.name not in raw
                and not self._misspelt(where, option.name)
            ):
                self._problem(
                    where,
                    f"{context}: {prefix}{option.name} is missing ({option.help})",
                    f"add {option.example}",
                )
        return valid

    # --- [[account]] ---

    def _accounts(self, tables: list[dict[str, Any]]) -> list[AccountSettings]:
        accounts: list[AccountSettings] = []
        seen: dict[str, int] = {}
        for i, raw in enumerate(tables):
            where: Path_ = ("account", i)
            name = raw.get("name")
            named = isinstance(name, str) and name.strip() != ""
            context = f'account "{name}"' if named else f"[[account]] #{i + 1}"
            values = self._table(raw, opt.ACCOUNT, where, context, name if named else None, "")
            if "name" in values:
                self.account_names.add(values["name"])
                if values["name"] in seen:
                    self._problem(
                        (*where, "name"),
                        f'{context}: the name "{name}" is already used by [[account]] '
                        f"#{seen[values['name']] + 1}",
                        "give each [[account]] its own name (it is also the keyring user name)",
                    )
                    continue
                seen[values["name"]] = i
            account = self._account(raw, values, where, context)
            if account is not None:
                accounts.append(account)
        return accounts

    def _account(
        self, raw: dict[str, Any], values: dict[str, Any], where: Path_, context: str
    ) -> AccountSettings | None:
        before = len(self.problems)
        name = values.get("name")
        allow_insecure = values.get("allow_insecure", opt.default(opt.ACCOUNT, "allow_insecure"))
        if allow_insecure and name is not None:
            self.insecure_accounts.add(name)
        auth = None
        if "auth" in values:
            auth = self._auth(
                values["auth"], (*where, "auth"), context, name, allow_insecure=allow_insecure
            )
        cluster, host = values.get("cluster"), values.get("host")
        if cluster is not None and host is not None:
            self._problem(
                (*where, "cluster"),
                f"{context}: has both cluster (Pusher cloud) and host (self-hosted)",
                "keep cluster for Pusher's cloud, or host/port/tls for your own server",
            )
        if (
            "cluster" not in raw
            and "host" not in raw
            and not self._misspelt(where, "cluster", "host")
        ):
            self._problem(
                where,
                f"{context}: says neither cluster nor host, so Beacon cannot tell where to connect",
                'add cluster = "mt1" (from your Pusher dashboard), or host = "..." and port = '
                "... for a self-hosted server",
            )
        if host is None:
            for key in ("port", "tls"):
                if key in values:
                    self._problem(
                        (*where, key),
                        f"{context}: {key} applies only to a self-hosted server (host)",
                        f'remove {key}, or add host = "..." for a self-hosted server',
                    )
        elif ":" in host:
            try:
                ipaddress.IPv6Address(host)
            except ValueError:
                self._problem(
                    (*where, "host"),
                    f'{context}: host "{host}" is not a host name or address',
                    'write a host name or address: host = "127.0.0.1"',
                )
        ca_file = None
        if "ca_file" in values:
            ca_file = Path(values["ca_file"]).expanduser()
            if not ca_file.is_absolute():
                ca_file = self.path.parent / ca_file
            problem = _ca_file_problem(ca_file)
            if problem is not None:
                self._problem((*where, "ca_file"), f"{context}: {problem[0]}", problem[1])
        channels = tuple(values.get("channels", opt.default(opt.ACCOUNT, "channels")))
        self._channels(channels, where, context, auth, has_auth="auth" in raw)
        signin = values.get("signin", opt.default(opt.ACCOUNT, "signin"))
        if signin and "auth" in raw:
            if auth is not None and auth.mode == "sign" and auth.user is None:
                self._problem(
                    (*where, "signin"),
                    f"{context}: signin = true in mode sign needs the user to sign in as",
                    'add user = { id = "..." } to [account.auth]',
                )
        elif signin:
            self._problem(
                (*where, "signin"),
                f"{context}: signin = true needs an [account.auth] table",
                'add [account.auth] with mode = "endpoint" or "sign"',
            )
        if "item_presence" in values and "auth" not in raw:
            self._problem(
                (*where, "item_presence"),
                f"{context}: item_presence joins presence channels, which need [account.auth]",
                'add [account.auth] with mode = "endpoint" or "sign"',
            )
        catchup = None
        if "catchup" in values:
            catchup = self._catchup(
                values["catchup"], (*where, "catchup"), context, name, allow_insecure=allow_insecure
            )
        if len(self.problems) > before or name is None or "key" not in values:
            return None
        activity = values.get("activity_timeout")
        account = AccountSettings(
            name=name,
            key=values["key"],
            channels=channels,
            cluster=cluster,
            host=host,
            port=values.get("port"),
            tls=values.get("tls", opt.default(opt.ACCOUNT, "tls")),
            ca_file=ca_file,
            auth=auth,
            activity_timeout=float(activity) if activity is not None else None,
            pong_timeout=float(
                values.get("pong_timeout", opt.default(opt.ACCOUNT, "pong_timeout"))
            ),
            signin=signin,
            catchup=catchup,
            item_presence=values.get("item_presence"),
            item_presence_max=values.get(
                "item_presence_max", opt.default(opt.ACCOUNT, "item_presence_max")
            ),
            allow_insecure=allow_insecure,
        )
        if self._plain_ws_problem(account, where, context):
            return None
        return account

    def _plain_ws_problem(self, account: AccountSettings, where: Path_, context: str) -> bool:
        """Credentials over plain ws:// to a host that is not (literally) loopback, without
        allow_insecure: a problem at the tls = false line. The engine checks the resolved
        addresses again when it connects (config/transport.py)."""
        host = account.host
        if host is None or account.tls or account.allow_insecure:
            return False
        if transport.loopback_literal(host):
            return False
        uses = transport.credential_uses(account)
        if not uses:
            return False
        more = f" (and {len(uses) - 1} more)" if len(uses) > 1 else ""
        self._problem(
            (*where, "tls"),
            f"{context}: tls = false would send the credentials for {uses[0]}{more} "
            f"unencrypted over plain ws:// to {host}, which is not this machine",
            transport.INSECURE_FIX,
        )
        return True

    def _channels(
        self,
        channels: tuple[str, ...],
        where: Path_,
        context: str,
        auth: AuthSettings | None,
        *,
        has_auth: bool,
    ) -> None:
        seen: set[str] = set()
        for i, channel in enumerate(channels):
            at = (*where, "channels", i)
            if channel in seen:
                self._problem(at, f'{context}: channel "{channel}" is listed twice',
                              "list each channel once")  # fmt: skip
            seen.add(channel)
            if channel.startswith(_NEEDS_AUTH) and not has_auth:
                self._problem(
                    at,
                    f'{context}: channel "{channel}" needs authorization, but the account has '
                    "no [account.auth] table",
                    'add [account.auth] with mode = "endpoint" and endpoint = "https://...", '
                    'or mode = "sign"',
                )
            elif channel.startswith("presence-") and auth is not None:
                if auth.mode == "sign" and auth.user is None:
                    self._problem(
                        at,
                        f'{context}: presence channel "{channel}" in mode sign needs the user '
                        "to join as",
                        'add user = { id = "...", info = { name = "..." } } to [account.auth]',
                    )

    def _auth(
        self,
        raw: dict[str, Any],
        where: Path_,
        context: str,
        account: str | None,
        *,
        allow_insecure: bool,
    ) -> AuthSettings | None:
        before = len(self.problems)
        values = self._table(raw, opt.AUTH, where, context, account, "auth.")
        mode = values.get("mode")
        headers: dict[str, str] = {}
        if "headers" in values:
            headers = self._headers(values["headers"], (*where, "headers"), context, account)
        user = None
        if "user" in values:
            user = self._table(
                values["user"], opt.USER, (*where, "user"), context, account, "auth.user."
            )
            user.setdefault("info", opt.default(opt.USER, "info"))
        if mode == "endpoint" and "endpoint" not in raw:
            self._problem(
                where,
                f"{context}: auth mode endpoint needs the endpoint URL",
                f"add {opt.AUTH['endpoint'].example}",
            )
        endpoint = values.get("endpoint")
        uses_secret = any("{secret}" in value for value in headers.values())
        if mode == "endpoint" and endpoint is not None and uses_secret and not allow_insecure:
            if endpoint.lower().startswith("http:") and not _is_loopback(endpoint):
                self._problem(
                    (*where, "endpoint"),
                    f"{context}: auth.endpoint would send the keyring secret unencrypted over "
                    "plain http",
                    _PLAIN_HTTP_FIX.format(what="endpoint"),
                )
        if mode == "sign":
            for key in ("endpoint", "headers"):
                if key in raw:
                    self._problem(
                        (*where, key),
                        f'{context}: auth.{key} is used only with mode = "endpoint"',
                        f'remove {key}, or set mode = "endpoint"',
                    )
        if mode == "endpoint" and "user" in raw:
            self._problem(
                (*where, "user"),
                f'{context}: auth.user is used only with mode = "sign" (in mode endpoint, '
                "the endpoint answers with the user)",
                'remove user, or set mode = "sign"',
            )
        if len(self.problems) > before or mode is None:
            return None
        return AuthSettings(
            mode=cast(AuthMode, mode),
            endpoint=values.get("endpoint"),
            headers=headers,
            user=user,
        )

    def _catchup(
        self,
        raw: dict[str, Any],
        where: Path_,
        context: str,
        account: str | None,
        *,
        allow_insecure: bool,
    ) -> CatchupSettings | None:
        before = len(self.problems)
        values = self._table(raw, opt.CATCHUP, where, context, account, "catchup.")
        headers: dict[str, str] = {}
        if "headers" in values:
            headers = self._headers(values["headers"], (*where, "headers"), context, account)
        url = values.get("url")
        uses_secret = any("{secret}" in value for value in headers.values())
        if url is not None and uses_secret and not allow_insecure:
            if url.lower().startswith("http:") and not _is_loopback(url):
                self._problem(
                    (*where, "url"),
                    f"{context}: catchup.url would send the keyring secret unencrypted over "
                    "plain http",
                    _PLAIN_HTTP_FIX.format(what="url"),
                )
        if len(self.problems) > before or url is None:
            return None
        return CatchupSettings(url=url, headers=headers)

    def _headers(
        self, raw: dict[str, Any], where: Path_, context: str, account: str | None
    ) -> dict[str, str]:
        headers: dict[str, str] = {}
        for name, value in raw.items():
            at = (*where, name)
            if _HEADER_NAME_RE.fullmatch(name) is None:
                self._problem(at, f'{context}: "{name}" is not a valid HTTP header name',
                              "use letters, digits and - in header names")  # fmt: skip
                continue
            if not isinstance(value, str):
                # A number was meant as its text (X-Team = 7); anything else has no text to keep.
                plain = isinstance(value, int | float) and not isinstance(value, bool)
                text = opt.toml_value(str(value)) if plain else '"..."'
                self._problem(
                    at,
                    f"{context}: header {name} must be a string, not {opt.describe(value)}",
                    f"write it as {name} = {text}",
                )
                continue
            if "\n" in value or "\r" in value:
                self._problem(at, f"{context}: header {name} spans lines",
                              "put the header value on one line")  # fmt: skip
                continue
            unknown = [p for p in _PLACEHOLDER_RE.findall(value) if p != "secret"]
            if unknown:
                self._problem(
                    at,
                    f"{context}: header {name} uses {{{unknown[0]}}}, but the only "
                    "placeholder is {secret}",
                    "write {secret} where the keyring secret goes",
                )
                continue
            if _CREDENTIAL_HEADER_RE.search(name) and "{secret}" not in value:
                self._problem(
                    at,
                    f"{context}: header {name} holds a literal credential; secrets never go "
                    "in the config file",
                    f'write {name} = "Bearer {{secret}}" (or whatever form it takes) and store '
                    f"the secret with: beacon login {account or 'ACCOUNT'}",
                )
                continue
            headers[name] = value
        return headers

    # --- [[rule]] ---

    def _rules(self, tables: list[dict[str, Any]]) -> list[Rule]:
        rules: list[Rule] = []
        for i, raw in enumerate(tables):
            where: Path_ = ("rule", i)
            context = f"[[rule]] #{i + 1}"
            before = len(self.problems)
            values = self._table(raw, opt.RULE, where, context, None, "")
            account = values.get("account")
            if account is not None and account not in self.account_names:
                close = _closest(account, self.account_names)
                hint = f'did you mean "{close}"? Fix the name' if close else "write the name"
                self._problem(
                    (*where, "account"),
                    f'{context}: no [[account]] is named "{account}"',
                    f"{hint} of an [[account]], or remove the line to match every account",
                )
            if "actions" in values:
                values["actions"] = tuple(
                    action
                    for n, table in enumerate(values["actions"])
                    if (
                        action := self._action(
                            table,
                            (*where, "actions", n),
                            context,
                            allow_insecure=account in self.insecure_accounts,
                        )
                    )
                    is not None
                )
            if len(self.problems) > before:
                continue
            # The keys of [[rule]] are Rule's fields; what the file leaves out takes the
            # dataclass default, which is the declared one.
            rules.append(Rule(**values))
        return rules

    def _action(
        self, raw: dict[str, Any], where: Path_, context: str, *, allow_insecure: bool
    ) -> Action | None:
        before = len(self.problems)
        label = raw.get("label")
        context = f"{context} action {label!r}" if isinstance(label, str) else context
        values = self._table(raw, opt.ACTION, where, context, None, "actions.")
        headers: dict[str, str] = {}
        if "headers" in values:
            headers = self._headers(values["headers"], (*where, "headers"), context, None)
        post, event = values.get("post"), values.get("client_event")
        if ("post" in raw) == ("client_event" in raw):
            self._problem(
                where,
                f"{context}: an action has either post or client_event, not "
                + ("both" if "post" in raw else "neither"),
                f"keep one: {opt.ACTION['post'].example} or {opt.ACTION['client_event'].example}",
            )
        if "client_event" in raw:
            channel = values.get("channel")
            if "channel" not in raw:
                self._problem(where, f"{context}: client_event needs the channel to send on",
                              f"add {opt.ACTION['channel'].example}")  # fmt: skip
            elif channel is not None and (
                not channel.startswith(("private-", "presence-"))
                or channel.startswith("private-encrypted-")
            ):
                self._problem(
                    (*where, "channel"),
                    f"{context}: client events go only on private- and presence- channels, "
                    f'not "{channel}"',
                    f"name a private- or presence- channel the account subscribes to: "
                    f"{opt.ACTION['channel'].example}",
                )
            for key in ("headers",):
                if key in raw:
                    self._problem((*where, key), f"{context}: {key} is used only with post",
                                  f"remove {key}")  # fmt: skip
        elif "channel" in raw:
            self._problem((*where, "channel"), f"{context}: channel is used only with "
                          "client_event", "remove channel")  # fmt: skip
        uses_secret = any("{secret}" in value for value in headers.values())
        # Only a rule of one account can take that account's allow_insecure: a rule for
        # every account would send every account's secret.
        if post is not None and uses_secret and not allow_insecure:
            if post.lower().startswith("http:") and not _is_loopback(post):
                self._problem(
                    (*where, "post"),
                    f"{context}: post would send the keyring secret unencrypted over plain http",
                    _PLAIN_HTTP_FIX.format(what="URL").replace(
                        "to the account", "to the account, and account = to this rule"
                    ),
                )
        if len(self.problems) > before or label is None:
            return None
        return Action(
            label=values["label"],
            post=post,
            headers=headers,
            client_event=event,
            channel=values.get("channel"),
        )

    # --- [[signal]] ---

    def _signals(self, tables: list[dict[str, Any]]) -> list[SignalSpec]:
        signals: list[SignalSpec] = []
        for i, raw in enumerate(tables):
            where: Path_ = ("signal", i)
            context = f"[[signal]] #{i + 1}"
            before = len(self.problems)
            values = self._table(raw, opt.SIGNAL, where, context, None, "")
            self._known_account(values.get("account"), (*where, "account"), context)
            if ("run" in raw) == ("post" in raw):
                self._problem(
                    where,
                    f"{context}: a signal has either run or post, not "
                    + ("both" if "run" in raw else "neither"),
                    f"keep one: {opt.SIGNAL['run'].example} or {opt.SIGNAL['post'].example}",
                )
            run = values.get("run")
            if run is not None and not run:
                self._problem((*where, "run"), f"{context}: run is an empty list",
                              f"name the program and its arguments: "
                              f"{opt.SIGNAL['run'].example}")  # fmt: skip
            elif run is not None and "{" in run[0].replace("{{", ""):
                # The event's data may fill arguments, never choose the program.
                self._problem(
                    (*where, "run", 0),
                    f"{context}: run's program {run[0]!r} has a placeholder",
                    "name the program literally; event data may go only in its arguments",
                )
            if len(self.problems) > before:
                continue
            if run is not None:
                values["run"] = tuple(run)
            if "timeout" in values:
                values["timeout"] = float(values["timeout"])
            signals.append(SignalSpec(**values))  # the keys are the fields, as for Rule
        return signals

    def _known_account(self, account: str | None, at: Path_, context: str) -> None:
        if account is not None and account not in self.account_names:
            close = _closest(account, self.account_names)
            hint = f'did you mean "{close}"? Fix the name' if close else "write the name"
            self._problem(
                at,
                f'{context}: no [[account]] is named "{account}"',
                f"{hint} of an [[account]], or remove the line to match every account",
            )

    # --- [notifications] and [feed] ---

    def _notifications(self, raw: dict[str, Any] | None) -> NotificationSettings:
        if raw is None:
            return NotificationSettings()
        where: Path_ = ("notifications",)
        values = self._table(raw, opt.NOTIFICATIONS, where, "[notifications]", None, "")
        coalesce: dict[str, Any] = {}
        if "coalesce" in values:
            coalesce = self._table(
                values["coalesce"], opt.COALESCE, (*where, "coalesce"), "[notifications]",
                None, "coalesce.",
            )  # fmt: skip
        quiet = values.get("quiet_hours")
        return NotificationSettings(
            quiet_hours=opt.parse_quiet_hours(quiet) if quiet is not None else None,
            keywords=tuple(values.get("keywords", opt.default(opt.NOTIFICATIONS, "keywords"))),
            coalesce_count=coalesce.get("count", opt.default(opt.COALESCE, "count")),
            coalesce_seconds=float(coalesce.get("seconds", opt.default(opt.COALESCE, "seconds"))),
            sound=values.get("sound", opt.default(opt.NOTIFICATIONS, "sound")),
            away_minutes=float(
                values.get("away_minutes", opt.default(opt.NOTIFICATIONS, "away_minutes"))
            ),
        )

    def _feed(self, raw: dict[str, Any] | None) -> FeedSettings:
        if raw is None:
            return FeedSettings()
        values = self._table(raw, opt.FEED, ("feed",), "[feed]", None, "")
        return FeedSettings(**values)  # as for Rule: the keys are the fields

    def _interface(self, raw: dict[str, Any] | None) -> InterfaceSettings:
        if raw is None:
            return InterfaceSettings()
        values = self._table(raw, opt.INTERFACE, ("interface",), "[interface]", None, "")
        return InterfaceSettings(**values)
