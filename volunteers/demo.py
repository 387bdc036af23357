"""Demo volunteers and teams: two teams per station, the first led by demo-leader."""

from practice_center.demo import DemoTown
from volunteers.models import Team, TeamMembership, Volunteer, VolunteerStatus

TEAM_KINDS = [
    ("文艺志愿服务队", "文艺演出、广场舞、书法", ["文艺", "书法", "舞蹈"]),
    ("法律与健康志愿服务队", "法律咨询、义诊、健康讲座", ["法律", "医疗", "心理咨询"]),
]
SKILL_POOL = [
    "文艺",
    "书法",
    "舞蹈",
    "法律",
    "医疗",
    "心理咨询",
    "理发",
    "家电维修",
    "电脑",
    "教育辅导",
    "环保",
    "烹饪",
]


def _volunteer(user, station, skills, status=VolunteerStatus.APPROVED, party=False) -> Volunteer:
    volunteer, _ = Volunteer.objects.get_or_create(
        user=user,
        defaults={
            "site": station,
            "real_name": user.name,
            "skills": skills,
            "status": status,
            "is_party_member": party,
            "availability": "周末全天",
        },
    )
    return volunteer


def seed(town: DemoTown) -> None:
    leader = _volunteer(town.users["demo-leader"], town.station, ["法律", "文艺"], party=True)
    member = _volunteer(town.users["demo-volunteer"], town.station, ["医疗", "电脑"])
    for s_index, station in enumerate(town.stations):
        station_residents = [
            u
            for u in town.residents
            if u.household and u.household.grid.station_id == station.pk and not u.username.startswith("demo-")
        ]
        for t_index, (suffix, description, skills) in enumerate(TEAM_KINDS):
            team, _ = Team.objects.get_or_create(
                site=station, name=f"{station.name[:3]}{suffix}", defaults={"description": description}
            )
            town.teams.append(team)
            members = station_residents[t_index * 3 : t_index * 3 + 3]
            for m_index, user in enumerate(members):
                pool = skills + [SKILL_POOL[(s_index + m_index) % len(SKILL_POOL)]]
                volunteer = _volunteer(user, station, pool[m_index % len(pool) :] + pool[: m_index % len(pool)][:1])
                TeamMembership.objects.get_or_create(team=team, volunteer=volunteer)
                town.volunteers.append(volunteer)
            if s_index == 0 and t_index == 0:
                for volunteer in (leader, member):
                    TeamMembership.objects.get_or_create(team=team, volunteer=volunteer)
                team.leader = leader
                town.volunteers[:0] = [leader, member]
            elif team.leader_id is None and members:
                team.leader = Volunteer.objects.get(user=members[0])
            team.save(update_fields=["leader"])
    # One registration waiting for the demo staff to approve.
    pending_user = next(u for u in town.residents if u.username == "resident-1-2-2")
    _volunteer(pending_user, town.station, ["摄影"], status=VolunteerStatus.PENDING)
