//! `update` tests of the triage views: the alert list (selection, filter, grouping, news),
//! the silence form and confirmation, silences and incidents actions.

mod list_tests {
    use crate::tui::action::Action;
    use crate::tui::app::test_fixtures::{
        answer_alerts as answer, options, press, started, typed, Backends, NOW,
    };
    use crate::tui::app::triage::tests::alert;
    use crate::tui::app::App;
    use crossterm::event::KeyCode;

    fn app() -> App {
        started(options(Backends {
            prometheus: true,
            alertmanager: true,
            pagerduty: false,
        }))
    }

    fn selected_fp(a: &App) -> String {
        a.triage
            .rows
            .get(a.triage.alerts_list.selected)
            .map(|r| r.key(&a.triage.entries))
            .unwrap_or_default()
    }

    #[test]
    fn selection_follows_the_same_alert_across_refreshes() {
        let mut a = app();
        press(&mut a, KeyCode::Char('g')); // flat
        answer(
            &mut a,
            vec![
                alert("B", "warning", "b", false),
                alert("C", "info", "c", false),
            ],
        );
        press(&mut a, KeyCode::Char('j'));
        assert_eq!(selected_fp(&a), "c");
        // A new critical alert arrives above it: the cursor stays on `c`.
        answer(
            &mut a,
            vec![
                alert("A", "critical", "a", false),
                alert("B", "warning", "b", false),
                alert("C", "info", "c", false),
            ],
        );
        assert_eq!(selected_fp(&a), "c");
        assert_eq!(a.triage.alerts_list.selected, 2);
        assert!(a.triage.is_new("a"), "arrived after the first answer");
        assert!(!a.triage.is_new("b"));
        // Leaving the view marks everything seen.
        press(&mut a, KeyCode::Char('9'));
        assert!(!a.triage.is_new("a"));
        // A failed refresh keeps the list and marks the source down.
        let generation = a.triage.generation;
        a.update(
            Action::Alerts {
                source: 0,
                generation,
                result: Err(crate::tui::state::FetchError::other("connection refused")),
            },
            NOW,
        );
        assert_eq!(a.triage.rows.len(), 3);
        assert!(a.triage.health[0].last_error.is_some());
    }

    #[test]
    fn filter_keystrokes_apply_matchers_or_text_and_show_bad_matchers() {
        let mut a = app();
        answer(
            &mut a,
            vec![
                alert("A", "critical", "a", false),
                alert("A", "warning", "a2", false),
                alert("B", "warning", "b", false),
            ],
        );
        // Grouped: A's header and two alerts; B alone is one row.
        assert_eq!(a.triage.rows.len(), 4);
        press(&mut a, KeyCode::Char('/'));
        typed(&mut a, "severity=warning");
        assert_eq!(a.triage.rows.len(), 2, "one warning A and B, each alone");
        press(&mut a, KeyCode::Enter);
        assert_eq!(a.triage.alerts_list.filter, "severity=warning");
        press(&mut a, KeyCode::Char('/'));
        for _ in 0.."severity=warning".len() {
            press(&mut a, KeyCode::Backspace);
        }
        typed(&mut a, "alertname=~\"(\"");
        match &a.overlay {
            Some(crate::tui::app::Overlay::Filter(line)) => {
                assert!(line.error.is_some(), "a bad regex is reported")
            }
            other => panic!("filter line closed: {other:?}"),
        }
        press(&mut a, KeyCode::Esc);
        assert_eq!(a.triage.rows.len(), 4, "Esc clears the filter");
        press(&mut a, KeyCode::Char('/'));
        typed(&mut a, "b is");
        assert_eq!(a.triage.rows.len(), 1, "free text finds the summary");
    }

    #[test]
    fn groups_collapse_and_expand_on_enter() {
        let mut a = app();
        answer(
            &mut a,
            vec![
                alert("A", "critical", "a", false),
                alert("A", "critical", "a2", true),
                alert("B", "warning", "b", false),
            ],
        );
        assert_eq!(selected_fp(&a), "group:A");
        press(&mut a, KeyCode::Enter);
        assert_eq!(a.triage.rows.len(), 2);
        assert_eq!(selected_fp(&a), "group:A");
        press(&mut a, KeyCode::Enter);
        assert_eq!(a.triage.rows.len(), 4);
        press(&mut a, KeyCode::Char('g'));
        assert_eq!(a.triage.rows.len(), 3);
    }

    #[test]
    fn shift_letters_sort_and_space_marks() {
        let mut a = app();
        answer(
            &mut a,
            vec![
                alert("B", "warning", "b", false),
                alert("A", "critical", "a", false),
                alert("C", "critical", "c", false),
            ],
        );
        press(&mut a, KeyCode::Char('g'));
        let names = |a: &App| -> Vec<String> {
            a.triage
                .rows
                .iter()
                .map(|r| a.triage.entries[r.entry()].alert.alertname().to_string())
                .collect()
        };
        assert_eq!(names(&a), ["A", "C", "B"], "by severity by default");
        press(&mut a, KeyCode::Char('N'));
        assert_eq!(names(&a), ["A", "B", "C"]);
        press(&mut a, KeyCode::Char('N'));
        assert_eq!(names(&a), ["C", "B", "A"], "again reverses");
        // Silences have no severity: the message says what they sort by.
        press(&mut a, KeyCode::Char('9'));
        press(&mut a, KeyCode::Char('S'));
        let m = a.message.clone().map(|m| m.text).unwrap_or_default();
        assert!(m.contains("state, name, age, ends, who"), "{m}");
        press(&mut a, KeyCode::Char('8'));
        assert_eq!(names(&a), ["C", "B", "A"], "remembered per view");
        // Marks follow the alerts, not the positions.
        press(&mut a, KeyCode::Home);
        press(&mut a, KeyCode::Char(' '));
        press(&mut a, KeyCode::Char(' '));
        assert_eq!(a.triage.alerts_list.marked.len(), 2);
        assert_eq!(a.triage.alerts_list.selected, 2, "space moves on");
        press(&mut a, KeyCode::Char('S'));
        assert_eq!(a.triage.alerts_list.marked.len(), 2);
        press(&mut a, KeyCode::Esc);
        assert!(a.triage.alerts_list.marked.is_empty(), "esc clears marks");
    }
}

mod form_tests {
    use crate::tui::action::{Action, Effect, Write, Written};
    use crate::tui::app::test_fixtures::{
        answer_alerts, answer_incidents, key, options, started, typed, Backends, NOW,
    };
    use crate::tui::app::triage::tests::alert;
    use crate::tui::app::{App, Overlay};
    use crossterm::event::{KeyCode, KeyModifiers};

    const AM: Backends = Backends {
        prometheus: false,
        alertmanager: true,
        pagerduty: false,
    };
    const PD: Backends = Backends {
        prometheus: false,
        alertmanager: false,
        pagerduty: true,
    };

    fn app_with_alerts() -> App {
        let mut opts = options(AM);
        opts.prefs.author = "alice".into();
        let mut a = started(opts);
        answer_alerts(
            &mut a,
            vec![
                alert("DiskFull", "critical", "d", false),
                alert("Other", "warning", "o", false),
            ],
        );
        a
    }

    fn form(a: &App) -> &crate::triage::silence_form::SilenceForm {
        match &a.overlay {
            Some(Overlay::Silence(f)) => f,
            other => panic!("no form: {other:?}"),
        }
    }

    #[test]
    fn the_form_needs_a_comment_confirms_and_sends_what_it_captured() {
        let mut a = app_with_alerts();
        key(&mut a, KeyCode::Char('s'), KeyModifiers::NONE);
        assert_eq!(
            form(&a).matchers,
            vec!["alertname=\"DiskFull\"", "severity=\"critical\""]
        );
        // Ctrl-S without a comment: the form stays, with the reason.
        key(&mut a, KeyCode::Char('s'), KeyModifiers::CONTROL);
        assert!(form(&a).error.as_deref().unwrap_or("").contains("comment"));
        // The cursor is on the comment already.
        typed(&mut a, "disk swap");
        key(&mut a, KeyCode::Char('s'), KeyModifiers::CONTROL);
        let lines = match &a.overlay {
            Some(Overlay::Confirm(c)) => c.lines.clone(),
            other => panic!("no confirmation: {other:?}"),
        };
        assert!(
            lines.iter().any(|l| l == "it mutes 1 current alert"),
            "{lines:?}"
        );
        // A refresh moving the cursor changes nothing: the body was captured at Ctrl-S.
        answer_alerts(&mut a, vec![alert("Zzz", "critical", "z", false)]);
        let fx = key(&mut a, KeyCode::Char('y'), KeyModifiers::NONE);
        let (id, body) = match fx.as_slice() {
            [Effect::Write {
                id,
                write: Write::CreateSilence(body),
                ..
            }] => (*id, body.clone()),
            other => panic!("{other:?}"),
        };
        assert_eq!(body.matchers.len(), 2);
        assert_eq!(body.matchers[0].value, "DiskFull");
        assert_eq!(body.comment, "disk swap");
        assert_eq!(body.created_by, "alice");
        // It fails: the form comes back with everything typed and the error.
        a.update(
            Action::Written {
                id,
                result: Err("connection refused".into()),
                journal_error: None,
            },
            NOW,
        );
        assert_eq!(form(&a).comment, "disk swap");
        assert!(form(&a)
            .error
            .as_deref()
            .unwrap_or("")
            .contains("connection refused"));
        // Sent again, it succeeds: a message, and alerts are fetched again.
        key(&mut a, KeyCode::Char('s'), KeyModifiers::CONTROL);
        let fx = key(&mut a, KeyCode::Char('y'), KeyModifiers::NONE);
        let Some(Effect::Write { id, .. }) = fx.first() else {
            panic!("{fx:?}")
        };
        let fx = a.update(
            Action::Written {
                id: *id,
                result: Ok(Written::SilencesCreated(crate::writes::SilenceCreation {
                    created: vec![(
                        "http://am".into(),
                        serde_json::from_value(serde_json::json!({
                            "id": "s-new", "matchers": [], "startsAt": "2026-01-15T12:00:00Z",
                            "endsAt": "2026-01-15T14:00:00Z", "updatedAt": "2026-01-15T12:00:00Z",
                            "createdBy": "alice", "comment": "disk swap",
                            "status": {"state": "active"}
                        }))
                        .unwrap(),
                    )],
                    ..Default::default()
                })),
                journal_error: None,
            },
            NOW,
        );
        assert!(a.overlay.is_none());
        assert!(fx.iter().any(|e| matches!(e, Effect::FetchAlerts { .. })));
        assert!(a.message.as_ref().is_some_and(|m| !m.error));
    }

    #[test]
    fn no_means_back_to_the_form_and_esc_closes_it() {
        let mut a = app_with_alerts();
        key(&mut a, KeyCode::Char('s'), KeyModifiers::NONE);
        typed(&mut a, "x");
        key(&mut a, KeyCode::Char('s'), KeyModifiers::CONTROL);
        let fx = key(&mut a, KeyCode::Char('n'), KeyModifiers::NONE);
        assert!(fx.is_empty());
        assert_eq!(form(&a).comment, "x");
        key(&mut a, KeyCode::Esc, KeyModifiers::NONE);
        assert!(a.overlay.is_none());
    }

    #[test]
    fn ack_without_pagerduty_is_an_ack_silence_sent_without_asking() {
        let mut a = app_with_alerts();
        let fx = key(&mut a, KeyCode::Char('A'), KeyModifiers::SHIFT);
        let body = match fx.as_slice() {
            [Effect::Write {
                write: Write::CreateSilence(body),
                ..
            }] => body.clone(),
            other => panic!("{other:?}"),
        };
        assert!(a.overlay.is_none(), "no confirmation for an ack");
        assert!(body.comment.starts_with("ACK!"));
        assert_eq!(body.ends_at - body.starts_at, chrono::Duration::minutes(30));
        assert_eq!(body.matchers[0].value, "DiskFull");
    }

    #[test]
    fn incidents_ack_at_once_and_resolve_after_yes() {
        let mut a = started(options(PD));
        let incident: crate::model::Incident = serde_json::from_value(serde_json::json!({
            "id": "P1", "incident_number": 7, "title": "DiskFull", "status": "triggered",
            "created_at": "2026-01-15T11:00:00Z"
        }))
        .unwrap();
        let generation = a.triage.incidents_generation;
        answer_incidents(&mut a, vec![incident]);
        key(&mut a, KeyCode::Char('0'), KeyModifiers::NONE);
        let fx = key(&mut a, KeyCode::Char('A'), KeyModifiers::SHIFT);
        assert!(matches!(
            fx.as_slice(),
            [Effect::Write { write: Write::AckIncidents(ids), .. }] if ids == &vec!["P1".to_string()]
        ));
        let fx = key(&mut a, KeyCode::Char('R'), KeyModifiers::SHIFT);
        assert!(fx.is_empty(), "resolve asks first");
        assert!(matches!(a.overlay, Some(Overlay::Confirm(_))));
        // The list changes under the question: the captured ID is still the one resolved.
        a.update(
            Action::Incidents {
                generation,
                result: Ok(vec![]),
            },
            NOW,
        );
        let fx = key(&mut a, KeyCode::Char('y'), KeyModifiers::NONE);
        assert!(matches!(
            fx.as_slice(),
            [Effect::Write { write: Write::ResolveIncidents(ids), .. }] if ids == &vec!["P1".to_string()]
        ));
    }

    fn app_with_incident(osc52: bool, url: &str) -> App {
        let mut opts = options(PD);
        opts.prefs.osc52 = osc52;
        let mut a = started(opts);
        let incident: crate::model::Incident = serde_json::from_value(serde_json::json!({
            "id": "P1", "incident_number": 7, "title": "DiskFull", "status": "triggered",
            "created_at": "2026-01-15T11:00:00Z", "html_url": url
        }))
        .unwrap();
        answer_incidents(&mut a, vec![incident]);
        key(&mut a, KeyCode::Char('0'), KeyModifiers::NONE);
        a
    }

    #[test]
    fn url_is_copied_with_osc52_only_when_enabled() {
        let url = "https://acme.pagerduty.com/incidents/P1";
        let mut a = app_with_incident(true, url);
        let fx = key(&mut a, KeyCode::Char('u'), KeyModifiers::NONE);
        assert_eq!(fx, vec![Effect::Copy(url.to_string())]);
        let text = &a
            .message
            .as_ref()
            .map(|m| m.text.clone())
            .unwrap_or_default();
        assert!(text.contains("copied"), "{text}");

        let mut a = app_with_incident(false, url);
        let fx = key(&mut a, KeyCode::Char('u'), KeyModifiers::NONE);
        assert!(fx.is_empty(), "no copy unless [ui] osc52 = true: {fx:?}");
        let text = &a
            .message
            .as_ref()
            .map(|m| m.text.clone())
            .unwrap_or_default();
        assert!(text.contains(url), "{text}");
        assert!(text.contains("[ui] osc52 = true"), "{text}");
    }

    #[test]
    fn u_in_the_alerts_view_copies_the_runbook_link() {
        let mut a = app_with_alerts();
        let fx = key(&mut a, KeyCode::Char('u'), KeyModifiers::NONE);
        assert!(fx.is_empty(), "{fx:?}");
        let text = a
            .message
            .as_ref()
            .map(|m| m.text.clone())
            .unwrap_or_default();
        assert!(text.contains("no runbook link"), "{text}");
        let mut with_runbook = alert("DiskFull", "critical", "d", false);
        with_runbook
            .annotations
            .insert("runbook_url".into(), "https://runbooks/disk".into());
        answer_alerts(&mut a, vec![with_runbook]);
        a.prefs.osc52 = true;
        let fx = key(&mut a, KeyCode::Char('u'), KeyModifiers::NONE);
        assert_eq!(fx, vec![Effect::Copy("https://runbooks/disk".into())]);
    }

    #[test]
    fn copied_url_has_no_control_characters() {
        let mut a = app_with_incident(true, "https://x/P1\x1b]52;c;ZXZpbA==\x07\n");
        let fx = key(&mut a, KeyCode::Char('u'), KeyModifiers::NONE);
        match fx.as_slice() {
            [Effect::Copy(text)] => assert!(!text.chars().any(char::is_control), "{text:?}"),
            other => panic!("expected one copy, got {other:?}"),
        }
    }

    #[test]
    fn mine_shows_only_incidents_assigned_to_the_token_user() {
        let mut a = started(options(PD));
        let incident = |id: &str, user: &str| -> crate::model::Incident {
            serde_json::from_value(serde_json::json!({
                "id": id, "title": id, "status": "triggered", "created_at": "2026-01-15T11:00:00Z",
                "assignments": [{"assignee": {"id": user, "summary": user}}]
            }))
            .unwrap()
        };
        let generation = a.triage.incidents_generation;
        answer_incidents(&mut a, vec![incident("P1", "U1"), incident("P2", "U2")]);
        key(&mut a, KeyCode::Char('0'), KeyModifiers::NONE);
        key(&mut a, KeyCode::Char('m'), KeyModifiers::NONE);
        assert!(a.message.as_ref().is_some_and(|m| m.error), "who am I?");
        a.update(
            Action::Me {
                generation,
                result: serde_json::from_value(serde_json::json!({"id": "U2"}))
                    .map_err(|e| crate::tui::state::FetchError::other(e.to_string())),
            },
            NOW,
        );
        key(&mut a, KeyCode::Char('m'), KeyModifiers::NONE);
        let rows: Vec<String> = crate::tui::app::rows::incident_rows(&a)
            .iter()
            .map(|i| i.id.clone())
            .collect();
        assert_eq!(rows, vec!["P2"]);
    }

    #[test]
    fn ack_with_several_matching_incidents_asks_which() {
        let mut a = started(options(Backends {
            alertmanager: true,
            ..PD
        }));
        answer_alerts(&mut a, vec![alert("DiskFull", "critical", "d", false)]);
        let incident = |id: &str| -> crate::model::Incident {
            serde_json::from_value(serde_json::json!({
                "id": id, "title": format!("DiskFull seen by {id}"), "status": "triggered",
                "created_at": "2026-01-15T11:00:00Z"
            }))
            .unwrap()
        };
        answer_incidents(&mut a, vec![incident("P1"), incident("P2")]);
        // No route tree: the incidents' alert details are read first (ack_tests.rs); they
        // name neither, so both title matches go to the picker.
        let fx = key(&mut a, KeyCode::Char('A'), KeyModifiers::SHIFT);
        let Some(Effect::FetchIncidentAlerts { id, .. }) = fx.first().cloned() else {
            panic!("a details lookup: {fx:?}");
        };
        a.update(
            Action::IncidentAlerts {
                id,
                result: Ok(vec![]),
            },
            NOW,
        );
        assert!(matches!(a.overlay, Some(Overlay::PickIncident { .. })));
        key(&mut a, KeyCode::Down, KeyModifiers::NONE);
        let fx = key(&mut a, KeyCode::Enter, KeyModifiers::NONE);
        assert!(matches!(
            fx.as_slice(),
            [Effect::Write { write: Write::AckIncidents(ids), .. }] if ids == &vec!["P2".to_string()]
        ));
    }

    #[test]
    fn editing_a_silence_replaces_it_and_recreating_an_expired_one_creates() {
        let mut a = app_with_alerts();
        let silence = |id: &str, state: &str, ends: &str| -> crate::model::Silence {
            serde_json::from_value(serde_json::json!({
                "id": id, "matchers": [{"name": "alertname", "value": "DiskFull", "isRegex": false}],
                "startsAt": "2026-01-15T11:00:00Z", "endsAt": ends, "createdBy": "bob",
                "comment": "swap", "status": {"state": state}, "updatedAt": "2026-01-15T11:00:00Z"
            }))
            .unwrap()
        };
        let generation = a.triage.generation;
        a.update(
            Action::Silences {
                source: 0,
                generation,
                result: Ok(vec![
                    silence("live", "active", "2026-01-15T14:00:00Z"),
                    silence("old", "expired", "2026-01-15T11:30:00Z"),
                ]),
            },
            NOW,
        );
        key(&mut a, KeyCode::Char('9'), KeyModifiers::NONE);
        key(&mut a, KeyCode::Enter, KeyModifiers::NONE);
        assert_eq!(form(&a).replaces.as_deref(), Some("live"));
        key(&mut a, KeyCode::Char('s'), KeyModifiers::CONTROL);
        let fx = key(&mut a, KeyCode::Char('y'), KeyModifiers::NONE);
        match fx.as_slice() {
            [Effect::Write {
                write: Write::ReplaceSilence(body),
                ..
            }] => {
                assert_eq!(body.id.as_deref(), Some("live"));
                assert_eq!(body.ends_at.to_rfc3339(), "2026-01-15T14:00:00+00:00");
            }
            other => panic!("{other:?}"),
        }
        key(&mut a, KeyCode::Char('j'), KeyModifiers::NONE);
        key(&mut a, KeyCode::Enter, KeyModifiers::NONE);
        assert_eq!(form(&a).replaces, None, "an expired silence is made anew");
        key(&mut a, KeyCode::Char('s'), KeyModifiers::CONTROL);
        let fx = key(&mut a, KeyCode::Char('y'), KeyModifiers::NONE);
        assert!(matches!(
            fx.as_slice(),
            [Effect::Write {
                write: Write::CreateSilence(_),
                ..
            }]
        ));
    }
}
