package chatcompletions

import "github.com/wasmadapt/wasmadapt/guest"

// SendsField applies the model's rule for feature (one of the Feature*
// constants) to a request that sets it: send reports whether the field goes
// into the provider request. A Strip rule leaves it out silently; a Refuse
// rule fails with capability_unsupported for provider and model, telling the
// caller to remove the field. A feature the model does not list is sent.
func (m Model) SendsField(provider, model, feature string) (send bool, err error) {
	act, listed := m.Unsupported[feature]
	if !listed {
		return true, nil
	}
	if act == Strip {
		return false, nil
	}
	return false, guest.ModelUnsupported(provider, model, feature, "remove it from the request")
}
