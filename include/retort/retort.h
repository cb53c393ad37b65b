/* public API: see cli */
