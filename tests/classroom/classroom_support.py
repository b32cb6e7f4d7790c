"""A local classroom for the tests: real system users, a real JupyterHub, nbgrader's exchange.

What it builds (all under one fresh folder in /tmp, removed afterwards):

    <base>/                     0755 root   (so the users can reach their homes and the exchange)
      exchange/                 1777 root   nbgrader's Exchange.root, like /srv/nbgrader/exchange
      home/<user>/              0700 user   one home per user (useradd), nobody else can enter
      config/nbgrader_config.py 0755 root   Exchange.root and the course id, for every user
      hub/                      0700 root   JupyterHub's config, database, cookie secret, log

The users are real accounts made with ``useradd`` (so every file permission is the
kernel's, not a simulation): one instructor and three students, with names that start
with a random prefix (``mlpc<hex>-``) and never collide with an existing account.
JupyterHub runs as root on 127.0.0.1 (free ports) with the shared-password
authenticator and the LocalProcessSpawner: each single-user server runs as its own user.
The proxy is configurable-http-proxy from npm, installed on first use into
``.venv/chp`` (the environment's prefix; never globally).

The users run Python, JupyterLab, nbgrader and the course from an environment they can
read (``reachable_env``): this one when the checkout and its Python are open to every
user; otherwise (a checkout under /root, or a pyenv Python there, as on CI machines) a
shared copy in ``/var/tmp/mlp-classroom-env``: the checkout copied without its
environments and outputs, and a venv made from the system's Python with the course
installed in it (rebuilt when pyproject.toml changes; pip's cache makes that quick).

Every process started here dies with the test run: the hub runs in its own session
with PR_SET_PDEATHSIG; ``Classroom.close`` stops the hub (which stops the servers),
then kills, pid by pid, whatever still runs as one of the test users, then removes the
users and the folder. ``close`` is also registered with ``atexit``.
"""
from __future__ import annotations

import atexit
import functools
import hashlib
import importlib.metadata
import json
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
CHP_PREFIX = Path(sys.prefix) / "chp"        # .venv/chp under `make test`
CHP = CHP_PREFIX / "node_modules" / ".bin" / "configurable-http-proxy"
# Pinned: 4.6.3 runs on every Node.js from 10 on (Debian 12's apt gives 18); 5.x wants 20
# and pulls a commander that wants 22.12.
CHP_VERSION = "4.6.3"
SCREENSHOTS = REPO / "_build" / "classroom"

COURSE_ID = "mlp-course"
OPT_OUT_ENV = "MLPCOURSE_CLASSROOM"   # =skip: skip the classroom test (with the reason shown)
PASSWORD = secrets.token_urlsafe(16)  # the shared student password, for this run only

from browser_support import _die_with_parent, free_port  # tests/browser (see conftest.py)

# the course's own JupyterLab set-up, as `mlpcourse lab` uses it: overrides.json (no news
# pop-up) and the student view's config folder (no formgrader, course list or creation tools)
from mlpcourse.lab import LAB_SETTINGS, STUDENT_CONFIG

SHARED_ENV = Path("/var/tmp/mlp-classroom-env")
_NOT_COPIED = (".venv", ".git", "work", "_build", "test-artifacts", "submitted", "autograded",
               "feedback", "release", "__pycache__", "*.egg-info", ".ipynb_checkpoints",
               "gradebook.db", "grades_*.csv")


@dataclass(frozen=True)
class Env:
    """Where the users' programs come from: a bin folder and the course beside it."""

    bin: Path
    course: Path

    @property
    def python(self) -> Path:
        return self.bin / "python"

    @property
    def lab_settings(self) -> Path:
        return self.course / LAB_SETTINGS.relative_to(REPO)

    @property
    def student_config(self) -> Path:
        return self.course / STUDENT_CONFIG.relative_to(REPO)


def _open_to_all(path: Path) -> bool:
    return closed_to_others(path) is None


def _system_python() -> str | None:
    for candidate in ("/usr/bin/python3", "/usr/local/bin/python3"):
        if Path(candidate).exists() and _open_to_all(Path(os.path.realpath(candidate))):
            return candidate
    return None


@functools.lru_cache(maxsize=None)
def reachable_env() -> Env:
    """This environment if every user can use it, else the shared copy (module docstring)."""
    here = Env(VENV_BIN, REPO)
    if all(_open_to_all(p) for p in (Path(os.path.realpath(sys.executable)),
                                     REPO / "mlpkit" / "__init__.py")):
        return here
    python = _system_python()
    SHARED_ENV.mkdir(mode=0o755, exist_ok=True)
    course, venv = SHARED_ENV / "course", SHARED_ENV / "venv"
    if course.exists():  # a fresh copy every run: the checkout may have changed
        shutil.rmtree(course)
    shutil.copytree(REPO, course, symlinks=True, ignore=shutil.ignore_patterns(*_NOT_COPIED))
    hub = importlib.metadata.version("jupyterhub")
    want = hashlib.sha256((REPO / "pyproject.toml").read_bytes()
                          + f"{python} {hub}".encode()).hexdigest()
    stamp = venv / ".mlp-classroom-stamp"
    if not stamp.is_file() or stamp.read_text() != want:
        shutil.rmtree(venv, ignore_errors=True)
        for argv in ([python, "-m", "venv", str(venv)],
                     [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
                      "--disable-pip-version-check", "-e", f"{course}[course]",
                      f"jupyterhub=={hub}"]):
            done = subprocess.run(argv, capture_output=True, text=True, timeout=1200)
            if done.returncode:
                raise RuntimeError(f"building the classroom's shared environment failed: "
                                   f"`{' '.join(argv)}`:\n{done.stdout}\n{done.stderr}")
        stamp.write_text(want)
    subprocess.run(["chmod", "-R", "a+rX", str(SHARED_ENV)], check=True)
    return Env(venv / "bin", course)

# ---------------------------------------------------------------- preconditions

def missing_requirements() -> list[str]:
    """Why this machine cannot run the classroom (empty when it can)."""
    why = []
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        why.append("it must run as root: it creates system users (useradd) and JupyterHub "
                   "spawns each user's server as that user (CI runs as root)")
    for tool in ("useradd", "userdel", "npm", "node"):
        if shutil.which(tool) is None:
            why.append(f"`{tool}` is not on PATH")
    closed = [p for p in (Path(os.path.realpath(sys.executable)), REPO / "mlpkit" / "__init__.py")
              if not _open_to_all(p)]
    if closed and _system_python() is None:
        why.append(f"the users cannot reach {closed[0]} ({closed_to_others(closed[0])} is "
                   "closed to other users) and there is no system Python (/usr/bin/python3, "
                   "with python3-venv) to build a shared environment from")
    if not (VENV_BIN / "jupyterhub").exists():
        why.append("the Python package `jupyterhub` is not installed in this environment "
                   "(`make test` installs it)")
    return why


def closed_to_others(path: Path) -> Path | None:
    """The first folder on the way to ``path`` that other users cannot enter, or ``path``
    itself when they cannot read it; None when it is open."""
    for folder in reversed(path.parents):
        if not folder.stat().st_mode & 0o001:
            return folder
    return None if path.stat().st_mode & 0o004 else path


def ensure_proxy() -> Path:
    """configurable-http-proxy CHP_VERSION, installed with npm into .venv/chp on first use."""
    if _installed_proxy_version() != CHP_VERSION:
        done = subprocess.run(["npm", "install", "--prefix", str(CHP_PREFIX), "--no-audit",
                               "--no-fund", "--loglevel=error",
                               f"configurable-http-proxy@{CHP_VERSION}"],
                              check=False, capture_output=True, text=True, timeout=300)
        if done.returncode != 0 or _installed_proxy_version() != CHP_VERSION:
            raise RuntimeError("npm could not install configurable-http-proxy into "
                               f"{CHP_PREFIX}:\n{done.stdout}\n{done.stderr}")
    return CHP


def _installed_proxy_version() -> str | None:
    try:
        manifest = CHP_PREFIX / "node_modules" / "configurable-http-proxy" / "package.json"
        return json.loads(manifest.read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError):
        return None


# ---------------------------------------------------------------- users

@dataclass(frozen=True)
class User:
    """An account made by ``useradd``: its name, home, and ids (looked up once it exists)."""

    name: str
    home: Path
    uid: int
    gid: int


def user_env(user: User, config_path: str) -> dict:
    """The environment a user's commands run with (as after a login, plus the course's)."""
    return {"HOME": str(user.home), "USER": user.name, "LOGNAME": user.name,
            "PATH": f"{reachable_env().bin}:/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8",
            "JUPYTER_CONFIG_PATH": config_path, "MPLBACKEND": "module://matplotlib_inline"
            ".backend_inline", "MLPCOURSE_QUICK": "1", "PYTHONIOENCODING": "utf-8"}


# ---------------------------------------------------------------- the classroom

class Classroom:
    """Users, exchange and hub; ``close()`` undoes all of it (idempotent)."""

    def __init__(self, students: tuple[str, ...] = ("ada", "ben", "cy")):
        self.prefix = f"mlpc{secrets.token_hex(3)}-"
        # in /tmp itself, not $TMPDIR: that may be private to root
        self.base = Path(tempfile.mkdtemp(prefix="mlp-classroom-", dir="/tmp"))
        os.chmod(self.base, 0o755)
        self.exchange = self.base / "exchange"
        self.config = self.base / "config"
        self.hub_dir = self.base / "hub"
        self.users: list[User] = []
        self.instructor: User | None = None
        self.students: list[User] = []
        self._student_names = students
        self.hub: subprocess.Popen | None = None
        self.port = 0
        self.token = secrets.token_hex(32)       # the test's own hub service token
        self._closed = False
        atexit.register(self.close)

    # -- set up
    def open(self) -> Classroom:
        self._make_exchange()
        self._make_config()
        self.instructor = self._add_user("teacher")
        self.students = [self._add_user(name) for name in self._student_names]
        self._start_hub()
        return self

    def _make_exchange(self) -> None:
        # nbgrader's documented setup of a shared exchange (and of the RWX volume on a cluster)
        self.exchange.mkdir()
        os.chmod(self.exchange, 0o1777)

    @property
    def config_path(self) -> str:
        """JUPYTER_CONFIG_PATH of every user: the classroom's nbgrader config, then the
        course's student view (no formgrader, no course list, no create-assignment)."""
        return f"{self.config}:{reachable_env().student_config}"

    def _make_config(self) -> None:
        self.config.mkdir()
        (self.config / "nbgrader_config.py").write_text(
            "c = get_config()  # noqa: F821\n"
            f"c.Exchange.root = {str(self.exchange)!r}\n"
            f"c.CourseDirectory.course_id = {COURSE_ID!r}\n", encoding="utf-8")
        for path in (self.config, self.config / "nbgrader_config.py"):
            os.chmod(path, 0o755)

    def _add_user(self, short: str) -> User:
        name = self.prefix + short
        home = self.base / "home" / name
        home.parent.mkdir(exist_ok=True)
        os.chmod(home.parent, 0o755)
        subprocess.run(["useradd", "--create-home", "--home-dir", str(home), "--user-group",
                        "--shell", "/bin/sh", "--comment", "mlp-course classroom test", name],
                       check=True, capture_output=True, text=True)
        account = pwd.getpwnam(name)
        user = User(name, home, account.pw_uid, account.pw_gid)
        self.users.append(user)
        os.chmod(home, 0o700)
        return user

    # -- running things as a user
    def run_as(self, user: User, *argv, cwd: Path | None = None, timeout: float = 300,
               check: bool = True) -> subprocess.CompletedProcess:
        """``argv`` as ``user`` (its uid, its group only), in its home by default."""
        done = subprocess.run([str(a) for a in argv], cwd=str(cwd or user.home),
                              env=user_env(user, self.config_path), user=user.uid,
                              group=user.gid, extra_groups=[], check=False, capture_output=True, text=True,
                              timeout=timeout)
        if check and done.returncode != 0:
            raise AssertionError(f"`{' '.join(map(str, argv))}` as {user.name} failed "
                                 f"({done.returncode}):\n{done.stdout}\n{done.stderr}")
        return done

    def python_as(self, user: User, code: str, *args, **kwargs) -> subprocess.CompletedProcess:
        return self.run_as(user, reachable_env().python, "-c", code, *args, **kwargs)

    def give(self, user: User, path: Path) -> None:
        """Make ``path`` (a file or a tree root copied in by the test) belong to ``user``."""
        for item in [path, *(path.rglob("*") if path.is_dir() else [])]:
            os.chown(item, user.uid, user.gid, follow_symlinks=False)

    # -- the hub
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _hub_config(self) -> str:
        names = [u.name for u in self.users]
        singleuser = reachable_env().bin / "jupyterhub-singleuser"
        env = {k: v for k, v in user_env(self.students[0], self.config_path).items()
               if k not in ("HOME", "USER", "LOGNAME")}     # the spawner sets those per user
        return f"""\
c = get_config()  # noqa: F821
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = {self.port}
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {free_port()}
c.JupyterHub.db_url = "sqlite:///{self.hub_dir / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = "{self.hub_dir / 'cookie_secret'}"
c.JupyterHub.cleanup_servers = True
c.JupyterHub.cleanup_proxy = True
c.ConfigurableHTTPProxy.command = ["{ensure_proxy()}"]
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{free_port()}"
c.ConfigurableHTTPProxy.auth_token = "{secrets.token_hex(32)}"
c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = "{PASSWORD}"
c.Authenticator.allowed_users = {set(names)!r}
c.JupyterHub.spawner_class = "jupyterhub.spawner.LocalProcessSpawner"
c.Spawner.cmd = ["{singleuser}"]
c.Spawner.default_url = "/lab"
c.Spawner.args = ["--LabApp.expose_app_in_browser=True",
                  "--LabApp.app_settings_dir={reachable_env().lab_settings}",
                  "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
                  "--ServerApp.terminals_enabled=False"]
c.Spawner.environment = {env!r}
c.Spawner.start_timeout = 180
c.Spawner.http_timeout = 180
c.JupyterHub.services = [{{"name": "classroom-test", "api_token": "{self.token}"}}]
c.JupyterHub.load_roles = [{{
    "name": "classroom-test",
    "scopes": ["admin:users", "admin:servers", "access:servers", "list:users"],
    "services": ["classroom-test"],
}}]
"""

    def _start_hub(self, timeout: float = 120) -> None:
        self.hub_dir.mkdir(mode=0o700)
        self.port = free_port()
        config = self.hub_dir / "jupyterhub_config.py"
        config.write_text(self._hub_config(), encoding="utf-8")
        self.log_path = self.hub_dir / "jupyterhub.log"
        env = {"PATH": f"{reachable_env().bin}:/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8",
               "HOME": str(self.hub_dir)}
        with open(self.log_path, "wb") as log:
            self.hub = subprocess.Popen([str(reachable_env().bin / "jupyterhub"), "-f", str(config)],
                                        cwd=self.hub_dir, env=env, stdout=log,
                                        stderr=subprocess.STDOUT, start_new_session=True,
                                        preexec_fn=_die_with_parent)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.hub.poll() is not None:
                raise RuntimeError(f"JupyterHub exited ({self.hub.returncode}):\n"
                                   + self.log_tail())
            try:
                self.api("GET", "users")
                return
            except (OSError, urllib.error.URLError, ValueError):
                time.sleep(0.5)
        raise RuntimeError(f"JupyterHub did not answer within {timeout:.0f} s:\n"
                           + self.log_tail())

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no hub log)"

    def request(self, method: str, url: str, *, data: bytes | None = None,
                content_type: str = "application/json", timeout: float = 120):
        request = urllib.request.Request(url, data=data, method=method, headers={
            "Authorization": f"token {self.token}", "Content-Type": content_type})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read()
        return json.loads(raw) if raw.strip() else None

    def api(self, method: str, path: str, body=None):
        """The hub's REST API (as the test's service)."""
        data = None if body is None else json.dumps(body).encode()
        return self.request(method, f"{self.url}/hub/api/{path}", data=data)

    def start_servers(self, users: list[User], timeout: float = 240) -> None:
        """Start each user's single-user server (side by side) and wait until all are ready."""
        for user in users:
            try:
                self.api("POST", f"users/{user.name}/server")
            except urllib.error.HTTPError as exc:
                if exc.code != 400:        # 400: already running
                    raise
        deadline = time.monotonic() + timeout
        waiting = list(users)
        while waiting and time.monotonic() < deadline:
            waiting = [u for u in waiting
                       if not (self.api("GET", f"users/{u.name}")["servers"].get("", {})
                               .get("ready"))]
            time.sleep(1)
        if waiting:
            raise RuntimeError(f"servers of {[u.name for u in waiting]} not ready within "
                               f"{timeout:.0f} s:\n" + self.log_tail())

    def server(self, user: User, method: str, path: str, form: dict | None = None):
        """A request to ``user``'s own single-user server, through the proxy."""
        data = None if form is None else urllib.parse.urlencode(form).encode()
        return self.request(method, f"{self.url}/user/{user.name}/{path}", data=data,
                            content_type="application/x-www-form-urlencoded")

    def assignment_action(self, user: User, action: str, assignment: str):
        """nbgrader's Assignments panel's buttons (fetch, submit, fetch_feedback), as the
        panel calls them: a POST to the nbgrader server extension in the user's server."""
        return self.server(user, "POST", f"assignments/{action}",
                           {"course_id": COURSE_ID, "assignment_id": assignment})

    # -- tear down
    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        hub, self.hub = self.hub, None
        if hub is not None and hub.poll() is None:
            for sig, wait in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
                try:
                    os.killpg(hub.pid, sig)
                    hub.wait(timeout=wait)
                    break
                except subprocess.TimeoutExpired:
                    continue
                except ProcessLookupError:
                    break
        uids = {user.uid for user in self.users}
        for _ in range(3):
            left = user_pids(uids)
            for pid in left:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            if not left:
                break
            time.sleep(0.5)
        for user in self.users:
            subprocess.run(["userdel", "--force", user.name], check=False, capture_output=True)
        shutil.rmtree(self.base, ignore_errors=True)


def user_pids(uids: set[int]) -> list[int]:
    """Pids of the processes running as one of ``uids`` (only the test's own users)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid in uids:
                    found.append(int(entry.name))
            except OSError:
                pass
    return found

