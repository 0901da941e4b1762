"""Class mode: a teacher's session pushes a set-up to its students' sessions and
watches them train (docs/PROTOCOL.md, Class mode; docs/SERVER.md).

codes (class codes and keys) · requests (the ``class`` payloads, checked) · store
(the class's state: this process, or redis_store for all of them) · bus (messages
between processes) · members (this process's sessions in classes) · delivery (a push
into a session's run, a student's view) · results (what the teacher sees) · ticker
(the beat) · classroom (the actions, the messages, the beat) · service (one
Classroom per app). Kept free of imports so that a module reading one of these parts
does not load them all.
"""
