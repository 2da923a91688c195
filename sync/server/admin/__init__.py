"""Administration over the HTTP API for the admin role (issue 11): users, laptops and the
server's settings. Account disable/enable and password resets are another module's
(the server's account work); this one creates users, changes role or team, lists and
revokes laptops, and shows the settings in force."""
