// Main step of the action: runs the native binary (see launch.js).
require('./launch').run();
