from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteersConfig(AppConfig):
    name = "volunteers"
    verbose_name = _("Volunteers")

    def ready(self) -> None:
        # What the organisation app shows of volunteers and teams, without importing this app.
        from practice_center import registry
        from volunteers import selectors

        registry.register_teams_led_by(selectors.team_ids_led_by)
        registry.register_station_figures(selectors.station_figures)
        registry.register_site_page_context(selectors.site_teams)
        registry.register_me_fields(selectors.volunteer_id_of)
        from volunteers import milestones  # noqa: F401  (star_milestone kind; told when hours cross a star)
