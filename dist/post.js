// Post step of the action (clean-up at job end): runs the native binary with `post`.
require('./launch').run(['post']);
