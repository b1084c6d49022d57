"""Flask extensions, created unbound; a leaf module that imports no blueprint.

The database object itself lives in the persistence leaf, so domain packages can define
models without importing the web package."""

from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf import CSRFProtect

migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
