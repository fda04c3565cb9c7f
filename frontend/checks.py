"""System check: the npm packages the pages load must be installed (`npm ci`)."""

from django.conf import settings
from django.core.checks import Warning, register


@register()
def frontend_packages_installed(app_configs, **kwargs):
    return [
        Warning(f"Front-end package folder {path} is missing, so pages will load without {prefix}.",
                hint="Run `npm ci` in the project root.", id="frontend.W001")
        for prefix, path in settings.FRONTEND_PACKAGES.items()
        if not path.is_dir()
    ]
