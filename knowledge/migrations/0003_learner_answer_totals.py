from django.db import migrations, models


def totals_from_concept_states(apps, schema_editor):
    """Until now each answer counted on one concept only, so a learner's totals are the sums over their states."""
    LearnerTraits = apps.get_model("knowledge", "LearnerTraits")
    ConceptState = apps.get_model("knowledge", "ConceptState")
    for traits in LearnerTraits.objects.all():
        sums = ConceptState.objects.filter(learner_id=traits.learner_id, concept__course_id=traits.course_id).aggregate(
            right=models.Sum("right"), wrong=models.Sum("wrong"))
        traits.right, traits.wrong = sums["right"] or 0.0, sums["wrong"] or 0.0
        traits.save(update_fields=["right", "wrong"])


class Migration(migrations.Migration):

    dependencies = [
        ("knowledge", "0002_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="learnertraits",
            name="right",
            field=models.FloatField(default=0.0),
        ),
        migrations.AddField(
            model_name="learnertraits",
            name="wrong",
            field=models.FloatField(default=0.0),
        ),
        migrations.RunPython(totals_from_concept_states, migrations.RunPython.noop),
    ]
