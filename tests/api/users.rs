//! Users: List Available Roles, Invite Users (organization and workspace), and the
//! organization's and a workspace's users.

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{TestApp, OTHER};

fn invite(email: &str, role: &str) -> Value {
    json!({"email": email, "roleName": role})
}

#[tokio::test]
async fn the_available_roles_are_the_documented_five() {
    let app = TestApp::people().await;
    let response = app.available_roles().await;
    assert_eq!(
        response.assert_json(StatusCode::OK),
        json!(["Administrator", "Manager", "Creator", "Reviewer", "Viewer"])
    );
}

#[tokio::test]
async fn invited_users_answer_an_empty_200_and_are_listed_by_email() {
    let app = TestApp::people().await;
    let body = json!({"users": [invite("zoe@acme.example", "viewer"), invite("bea@acme.example", "Creator")]});
    app.invite_tenant_users(&body)
        .await
        .assert_empty(StatusCode::OK);
    let users = app.tenant_users().await.assert_json(StatusCode::OK);
    assert_eq!(
        users,
        json!([
            {"email": "admin@acme.example", "roleName": "Administrator"},
            {"email": "bea@acme.example", "roleName": "Creator"},
            {"email": "zoe@acme.example", "roleName": "Viewer"}
        ])
    );
    // No email is sent: the journal shows the request.
    let journal = app
        .journal("path=/api/v1.0/external/tenant/inviteusers")
        .await;
    assert_eq!(journal.len(), 1, "{journal:?}");
    assert_eq!(journal[0]["method"], "POST");
    assert_eq!(journal[0]["status"], 200);
}

#[tokio::test]
async fn an_email_named_twice_or_already_a_user_is_refused_and_nothing_is_stored() {
    let app = TestApp::people().await;
    let cases = [
        (
            json!({"users": [invite("new@acme.example", "Viewer"), invite("NEW@acme.example", "Viewer")]}),
            "users[1].email",
        ),
        (
            json!({"users": [invite("new@acme.example", "Viewer"), invite("Admin@Acme.example", "Viewer")]}),
            "users[1].email",
        ),
    ];
    for (body, field) in cases {
        let response = app.invite_tenant_users(&body).await.case(&body);
        let problem = response.assert_problem(StatusCode::BAD_REQUEST, None);
        assert_eq!(problem["type"], "urn:sdemu:problem:duplicate-email");
        assert_eq!(problem["field"], field);
    }
    let users = app.tenant_users().await.assert_json(StatusCode::OK);
    assert_eq!(users.as_array().unwrap().len(), 1, "{users}");
    // The same email in a workspace it is not in yet is fine; twice in it is not.
    let body = json!({"workspaceId": 2, "users": [invite("admin@acme.example", "Reviewer")]});
    app.invite_workspace_users(&body)
        .await
        .assert_empty(StatusCode::OK);
    let problem = app
        .invite_workspace_users(&body)
        .await
        .assert_problem(StatusCode::BAD_REQUEST, None);
    assert_eq!(problem["type"], "urn:sdemu:problem:duplicate-email");
}

#[tokio::test]
async fn a_role_not_in_the_available_roles_is_refused_listing_them() {
    let app = TestApp::people().await;
    let body = json!({"users": [invite("a@acme.example", "Owner")]});
    let problem = app
        .invite_tenant_users(&body)
        .await
        .assert_problem(StatusCode::BAD_REQUEST, None);
    assert_eq!(problem["type"], "urn:sdemu:problem:unknown-role");
    assert_eq!(problem["field"], "users[0].roleName");
    assert_eq!(problem["roleName"], "Owner");
    assert_eq!(
        problem["allowed"],
        json!(["Administrator", "Manager", "Creator", "Reviewer", "Viewer"])
    );
    let body = json!({"workspaceId": 2, "users": [invite("a@acme.example", "Owner")]});
    let problem = app
        .invite_workspace_users(&body)
        .await
        .assert_problem(StatusCode::BAD_REQUEST, None);
    assert_eq!(problem["type"], "urn:sdemu:problem:unknown-role");
}

#[tokio::test]
async fn an_invitation_that_cannot_be_used_is_a_problem_naming_its_field() {
    let app = TestApp::people().await;
    let cases = [
        (json!({}), "users"),
        (json!({"users": []}), "users"),
        (
            json!({"users": [invite("not-an-email", "Viewer")]}),
            "users[0].email",
        ),
        (
            json!({"users": [invite("a@b@c", "Viewer")]}),
            "users[0].email",
        ),
        (json!({"users": [invite("a@", "Viewer")]}), "users[0].email"),
        (json!({"users": [{"roleName": "Viewer"}]}), "users[0].email"),
        (
            json!({"users": [{"email": "a@acme.example"}]}),
            "users[0].roleName",
        ),
        (
            json!({"users": [{"email": 5, "roleName": "Viewer"}]}),
            "users[0].email",
        ),
    ];
    for (body, field) in cases {
        let response = app.invite_tenant_users(&body).await.case(&body);
        let problem = response.assert_problem(StatusCode::BAD_REQUEST, None);
        assert_eq!(problem["field"], field, "{body}: {problem}");
    }
}

#[tokio::test]
async fn workspace_invitations_make_workspace_and_organization_users() {
    let app = TestApp::people().await;
    let body = json!({"workspaceId": 3, "users": [invite("rui@acme.example", "Reviewer")]});
    app.invite_workspace_users(&body)
        .await
        .assert_empty(StatusCode::OK);
    assert_eq!(
        app.workspace_users(3).await.assert_json(StatusCode::OK),
        json!([{"email": "rui@acme.example", "roleName": "Reviewer"}])
    );
    assert_eq!(
        app.workspace_users(2).await.assert_json(StatusCode::OK),
        json!([])
    );
    let tenant = app.tenant_users().await.assert_json(StatusCode::OK);
    assert!(
        tenant
            .as_array()
            .unwrap()
            .contains(&json!({"email": "rui@acme.example", "roleName": "Reviewer"})),
        "{tenant}"
    );
}

#[tokio::test]
async fn another_organizations_workspace_answers_as_an_unknown_one() {
    let app = TestApp::people().await;
    app.workspace_users(4)
        .await
        .assert_empty(StatusCode::NOT_FOUND);
    app.workspace_users(999)
        .await
        .assert_empty(StatusCode::NOT_FOUND);
    let users = [invite("x@acme.example", "Viewer")];
    for body in [
        json!({"workspaceId": 4, "users": users}),
        json!({"workspaceId": 999, "users": users}),
        json!({"users": users}),
    ] {
        let response = app.invite_workspace_users(&body).await.case(&body);
        let problem = response.assert_problem(StatusCode::BAD_REQUEST, None);
        assert_eq!(problem["field"], "workspaceId");
    }
    // Each organization sees its own users only.
    let token = app.token(&OTHER).await;
    let other = app
        .send_as(&token, "GET", "/api/v1.0/external/tenant/allusers", None)
        .await
        .assert_json(StatusCode::OK);
    assert_eq!(
        other,
        json!([{"email": "olga@other.example", "roleName": "Reviewer"}])
    );
    let workspace = app
        .send_as(
            &token,
            "GET",
            "/api/v1.0/external/sdworkspace/allusers/4",
            None,
        )
        .await
        .assert_json(StatusCode::OK);
    assert_eq!(workspace, other);
}

#[tokio::test]
async fn every_user_operation_needs_a_bearer_token() {
    let app = TestApp::people().await;
    for (method, uri) in [
        ("GET", "/api/v1.0/external/tenant/availableroles"),
        ("POST", "/api/v1.0/external/tenant/inviteusers"),
        ("GET", "/api/v1.0/external/tenant/allusers"),
        ("POST", "/api/v1.0/external/sdworkspace/inviteusers"),
        ("GET", "/api/v1.0/external/sdworkspace/allusers/2"),
    ] {
        let request = axum::http::Request::builder()
            .method(method)
            .uri(uri)
            .header("content-type", "application/json")
            .body(axum::body::Body::from("{}"))
            .unwrap();
        app.request_anonymous(request)
            .await
            .case(uri)
            .assert_unauthorized("Bearer");
    }
}

#[tokio::test]
async fn speakers_and_users_are_in_the_state_and_reset_restores_the_fixtures() {
    let app = TestApp::people().await;
    let state = app.state_document().await;
    assert_eq!(
        state["speakers"],
        json!([
            {"workspaceId": 2, "speakers": [
                {"speakerId": "s1", "speakerName": "Ana Sousa"},
                {"speakerId": "s2", "speakerName": "Bruno Costa", "speakerPrefix": "Dr.", "speakerSuffix": "PhD"}]},
            {"workspaceId": 4, "taskId": 40, "speakers": [
                {"speakerId": "o1", "speakerName": "Olga", "isDefault": true}]}
        ])
    );
    // The workspace user is its organization's too.
    assert_eq!(
        state["users"],
        json!([
            {"tenantId": 1, "email": "admin@acme.example", "roleName": "Administrator"},
            {"tenantId": 2, "email": "olga@other.example", "roleName": "Reviewer"},
            {"workspaceId": 4, "email": "olga@other.example", "roleName": "Reviewer"}
        ])
    );
    app.delete_task_speaker(20, 2, "s1")
        .await
        .assert_status(StatusCode::OK);
    app.invite_tenant_users(&json!({"users": [invite("new@acme.example", "Viewer")]}))
        .await
        .assert_status(StatusCode::OK);
    let changed = app.state_document().await;
    assert_eq!(changed["speakers"].as_array().unwrap().len(), 3);
    // Seeding the state reproduces it.
    app.control("POST", "seed", Some(&changed))
        .await
        .assert_status(StatusCode::OK);
    assert_eq!(app.state_document().await, changed);
    app.control("POST", "reset", None)
        .await
        .assert_status(StatusCode::OK);
    let reset = app.state_document().await;
    assert_eq!(reset["speakers"], state["speakers"]);
    assert_eq!(reset["users"], state["users"]);
}

#[tokio::test]
async fn a_fixture_with_bad_speakers_or_users_names_each_problem() {
    let app = TestApp::people().await;
    let seed = json!({
        "workspaces": [
            {"workspaceId": 1, "workspaceName": "Invoices"},
            {"workspaceId": 2, "workspaceName": "Meetings", "workspaceTemplateName": "Transcripts"}
        ],
        "tasks": [{"taskId": 5, "workspaceId": 2, "displayName": "a", "createdOn": "2024-01-01T00:00:00Z", "taskStatus": 3, "integrationStatus": 1}],
        "speakers": [
            {"workspaceId": 1, "speakers": []},
            {"workspaceId": 2, "speakers": [{"speakerId": "a", "speakerName": "A", "isDefault": true}]},
            {"workspaceId": 2, "taskId": 5, "speakers": [
                {"speakerId": "a", "speakerName": "A", "isDefault": true},
                {"speakerId": "a", "speakerName": "B"}]}
        ],
        "users": [
            {"email": "nope", "roleName": "Viewer"},
            {"email": "a@example.com", "roleName": "Owner"},
            {"email": "b@example.com", "roleName": "Viewer"},
            {"email": "B@example.com", "roleName": "Viewer"}
        ]
    });
    let problem = app
        .control("POST", "seed", Some(&seed))
        .await
        .assert_problem(StatusCode::BAD_REQUEST, None);
    let errors: Vec<(String, String)> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["item"].as_str().unwrap().to_owned(),
                e["field"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let expected = [
        ("speakers[0] (workspaceId 1)", "workspaceId"),
        ("speakers[1] (workspaceId 2)", "speakers[0].isDefault"),
        ("speakers[2] (taskId 5)", "speakers[1].speakerId"),
        ("users[0] (email nope)", "email"),
        ("users[1] (email a@example.com)", "roleName"),
        ("users[3] (email B@example.com)", "email"),
    ];
    for (item, field) in expected {
        assert!(
            errors.contains(&(item.to_owned(), field.to_owned())),
            "{item} {field}: {errors:?}"
        );
    }
    assert_eq!(errors.len(), expected.len(), "{errors:?}");
}

#[tokio::test]
async fn the_demo_data_has_transcript_speakers_and_invited_users() {
    let app = TestApp::demo().await;
    let speakers = app.workspace_speakers(3).await.assert_json(StatusCode::OK);
    assert_eq!(
        speakers["speakers"][0],
        json!({"speakerId": "90edf137-ea2a-4b59-bf51-45446299d47e", "speakerName": "Ana Sousa",
               "speakerPrefix": null, "speakerSuffix": "CFO"})
    );
    assert_eq!(speakers["speakers"].as_array().unwrap().len(), 3);
    let users = app.tenant_users().await.assert_json(StatusCode::OK);
    let emails: Vec<&str> = users
        .as_array()
        .unwrap()
        .iter()
        .map(|user| user["email"].as_str().unwrap())
        .collect();
    assert_eq!(
        emails,
        [
            "admin@northwind.example",
            "ap.clerk@northwind.example",
            "assistant@northwind.example",
            "finance.manager@northwind.example"
        ]
    );
}
