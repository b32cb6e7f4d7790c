# nbgrader's configuration inside every single-user server of the course (students' and
# instructors'): which course it is and where the exchange is. The instructor's own
# nbgrader_config.py (in the course checkout) adds the grading settings.
c = get_config()  # noqa: F821 (provided by traitlets when this file is loaded)

c.CourseDirectory.course_id = "mlp-course"
# The shared volume every server mounts (deploy/z2jh: a ReadWriteMany claim; deploy/tljh:
# a folder on the one server). World-writable with the sticky bit, as nbgrader expects.
c.Exchange.root = "/srv/nbgrader/exchange"
# Fetched assignments land in ~/01_neuron/, where the course folder sync puts the
# exercises too (python -m mlpcourse.workspace), so a student submits what they edit.
c.Exchange.path_includes_course = False
