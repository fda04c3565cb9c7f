from django.db import migrations, models

# (model, old field, new field, index): references into the session domain become plain ids, same column, same values.
PLAIN_IDS = [
    ("concept", "course", "course_id", True),
    ("conceptstate", "learner", "learner_id", False),
    ("learnertraits", "learner", "learner_id", False),
    ("learnertraits", "course", "course_id", True),
    ("modelsnapshot", "course", "course_id", True),
]
HELP = {"course_id": "The course (tutoring.Course).", "learner_id": "The learner (tutoring.User)."}
# Constraints that name the fields, dropped while the fields are renamed and made again under the new names.
CONSTRAINTS = [
    ("concept", models.UniqueConstraint(fields=("course", "slug"), name="unique_concept_slug"),
     models.UniqueConstraint(fields=("course_id", "slug"), name="unique_concept_slug")),
    ("conceptstate", models.UniqueConstraint(fields=("learner", "concept"), name="unique_concept_state"),
     models.UniqueConstraint(fields=("learner_id", "concept"), name="unique_concept_state")),
    ("learnertraits", models.UniqueConstraint(fields=("learner", "course"), name="unique_learner_traits"),
     models.UniqueConstraint(fields=("learner_id", "course_id"), name="unique_learner_traits")),
    ("modelsnapshot", models.UniqueConstraint(fields=("course", "version"), name="unique_snapshot_version"),
     models.UniqueConstraint(fields=("course_id", "version"), name="unique_snapshot_version")),
    ("modelsnapshot", models.UniqueConstraint(condition=models.Q(is_active=True), fields=("course",),
                                              name="one_active_snapshot_per_course"),
     models.UniqueConstraint(condition=models.Q(is_active=True), fields=("course_id",),
                             name="one_active_snapshot_per_course")),
]


class Migration(migrations.Migration):
    """The knowledge layer keeps courses and learners as plain ids: its tables no longer reference the session
    domain's (tutoring.Course, tutoring.User), so the two apps depend one way. Every row keeps its values; the
    foreign-key constraints are dropped and the fields renamed to what they hold."""

    dependencies = [
        ("knowledge", "0005_learner_recent_answers"),
    ]

    operations = [
        *[migrations.RemoveConstraint(model_name=model, name=old.name) for model, old, _ in CONSTRAINTS],
        *[migrations.AlterField(model_name=model, name=old,
                                field=models.BigIntegerField(db_column=f"{old}_id", db_index=index))
          for model, old, _, index in PLAIN_IDS],
        *[migrations.RenameField(model_name=model, old_name=old, new_name=new) for model, old, new, _ in PLAIN_IDS],
        *[migrations.AlterField(model_name=model, name=new,
                                field=models.BigIntegerField(db_index=index, help_text=HELP[new]))
          for model, _, new, index in PLAIN_IDS],
        *[migrations.AddConstraint(model_name=model, constraint=new) for model, _, new in CONSTRAINTS],
        migrations.AlterModelOptions(name="concept", options={"ordering": ["course_id", "position", "name"]}),
        migrations.AlterModelOptions(name="modelsnapshot", options={"ordering": ["course_id", "-version"]}),
        migrations.AlterModelOptions(name="learnertraits", options={"verbose_name_plural": "learner traits"}),
    ]
